"""PyTorch twin of bench/compute.ts: the same plain nnU-Net U-Net (conv+bias -> InstanceNorm(affine, eps 1e-5)
-> LeakyReLU(0.01), transposed-conv upsampling with bias, skip concat, 1x1 head), the same loss (CE + soft Dice,
batch dice, no background, smooth 1e-5) and SGD(momentum 0.99, nesterov, weight decay 3e-5).

usage: python3 torch_unet.py '<config json>'   (config: see bench/compute.ts `BenchConfig`, or a list of them)
prints one JSON line per config: {"ms": [per-step ms...], "maxrss_MB": ..., "threads": ..., "torch": version}
Optional config keys (bench/gpu.ts): "device": "cuda" (cudnn.benchmark on, steps timed to completion with
torch.cuda.synchronize) and "amp": true (autocast fp16 + GradScaler, as nnU-Net trains on a GPU).
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get('NNUNET_THREADS') or os.cpu_count()))


def bench(cfg):
    nd = cfg['dim']
    Conv, TConv, Norm = (nn.Conv3d, nn.ConvTranspose3d, nn.InstanceNorm3d) if nd == 3 else (nn.Conv2d, nn.ConvTranspose2d, nn.InstanceNorm2d)


    def unit(ci, co, k, s):
        return nn.Sequential(Conv(ci, co, k, s, [x // 2 for x in k], bias=True), Norm(co, eps=1e-5, affine=True),
                             nn.LeakyReLU(0.01, inplace=True))


    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            f, k, s = cfg['features'], cfg['kernels'], cfg['strides']
            self.enc = nn.ModuleList()
            ci = cfg['inputChannels']
            for i, co in enumerate(f):
                self.enc.append(nn.Sequential(*[unit(ci if j == 0 else co, co, k[i], s[i] if j == 0 else [1] * nd)
                                                for j in range(cfg['encoderDepth'][i])]))
                ci = co
            n = len(f)
            self.up, self.dec = nn.ModuleList(), nn.ModuleList()
            for j in range(n - 1):
                below, skip = f[n - 1 - j], f[n - 2 - j]
                self.up.append(TConv(below, skip, s[n - 1 - j], s[n - 1 - j], bias=True))
                self.dec.append(nn.Sequential(*[unit(2 * skip if i == 0 else skip, skip, k[n - 2 - j], [1] * nd)
                                                for i in range(cfg['decoderConvs'][j])]))
            self.head = Conv(f[0], cfg['classes'], 1, bias=True)

        def forward(self, x):
            skips = []
            for e in self.enc:
                x = e(x)
                skips.append(x)
            for j, (u, d) in enumerate(zip(self.up, self.dec)):
                x = d(torch.cat([u(x), skips[-2 - j]], 1))
            return self.head(x)


    def loss_fn(logits, lab):
        ce = F.cross_entropy(logits, lab)
        p = logits.softmax(1)
        oh = F.one_hot(lab, cfg['classes']).movedim(-1, 1).float()
        ax = (0,) + tuple(range(2, 2 + nd))  # batch dice
        tp = (p * oh).sum(ax)
        den = (p.sum(ax) + oh.sum(ax)).clamp_min(1e-8)
        return ce - ((2 * tp + 1e-5) / (den + 1e-5))[1:].mean()


    torch.manual_seed(0)
    if cfg['mode'] == 'conv':  # one conv layer forward + backward, the per-op memory check
        c = cfg['features'][0]
        conv = Conv(c, c, cfg['kernels'][0], cfg['strides'][0], [k // 2 for k in cfg['kernels'][0]], bias=True)
        x = torch.randn(cfg['batch'], c, *cfg['patch'], requires_grad=True)
        ms = []
        for step in range(cfg['warmup'] + cfg['steps']):
            t0 = time.perf_counter()
            x.grad = None
            conv.zero_grad(set_to_none=True)
            y = conv(x)
            y.backward(torch.ones_like(y))
            del y
            if step >= cfg['warmup']:
                ms.append((time.perf_counter() - t0) * 1000)
        print(json.dumps({'ms': ms, 'maxrss_MB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          'threads': torch.get_num_threads(), 'torch': torch.__version__}))
        return
    dev = torch.device(cfg.get('device', 'cpu'))
    cuda = dev.type == 'cuda'
    amp = bool(cfg.get('amp')) and cuda
    torch.backends.cudnn.benchmark = cuda
    net = UNet().to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.99, nesterov=True, weight_decay=3e-5)
    scaler = torch.amp.GradScaler('cuda', enabled=amp)
    x = torch.randn(cfg['batch'], cfg['inputChannels'], *cfg['patch'], device=dev)
    lab = torch.randint(0, cfg['classes'], (cfg['batch'], *cfg['patch']), device=dev)
    ms = []
    for step in range(cfg['warmup'] + cfg['steps']):
        t0 = time.perf_counter()
        if cfg['mode'] == 'train':
            opt.zero_grad(set_to_none=True)
            with torch.autocast(dev.type, dtype=torch.float16, enabled=amp):
                loss = loss_fn(net(x), lab)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            with torch.no_grad(), torch.autocast(dev.type, dtype=torch.float16, enabled=amp):
                net(x).softmax(1)
        if cuda:
            torch.cuda.synchronize()
        if step >= cfg['warmup']:
            ms.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({'ms': ms, 'maxrss_MB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      'threads': torch.get_num_threads(), 'torch': torch.__version__}))


if __name__ == '__main__':
    arg = json.loads(sys.argv[1])
    for one in (arg if isinstance(arg, list) else [arg]):
        bench(one)
        sys.stdout.flush()
