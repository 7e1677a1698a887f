"""Golden summary.json: nnU-Net v2's compute_metrics / compute_metrics_on_folder / save_summary_json logic on tiny
label maps (labels 1, 2, a region (1, 2), ignore label 3; one case with an empty reference and prediction for label 2).
Run: /usr/bin/python3 test/predict/golden/make-summary-golden.py > test/predict/golden/summary.json"""
import json
import numpy as np

cases = {
    'a': (np.array([0, 1, 1, 2, 2, 0, 3, 3]), np.array([0, 1, 2, 2, 0, 1, 1, 2])),
    'b': (np.array([0, 1, 1, 1, 0, 0, 0, 3]), np.array([1, 1, 0, 1, 0, 0, 0, 2])),
    'c': (np.array([0, 0, 0, 0, 0, 0, 2, 2]), np.array([0, 0, 0, 0, 0, 0, 0, 0])),
}
targets = [1, 2, (1, 2)]
ignore = 3


def mask(seg, r):
    return np.isin(seg, r) if isinstance(r, tuple) else seg == r


results = []
for name, (ref, pred) in cases.items():
    use = ref != ignore
    res = {'reference_file': f'ref/{name}.nii.gz', 'prediction_file': f'pred/{name}.nii.gz', 'metrics': {}}
    for r in targets:
        mr, mp = mask(ref, r), mask(pred, r)
        tp = int(np.sum(mr & mp & use)); fp = int(np.sum(~mr & mp & use))
        fn = int(np.sum(mr & ~mp & use)); tn = int(np.sum(~mr & ~mp & use))
        m = {}
        if tp + fp + fn == 0:
            m['Dice'] = np.nan; m['IoU'] = np.nan
        else:
            m['Dice'] = 2 * tp / (2 * tp + fp + fn); m['IoU'] = tp / (tp + fp + fn)
        m.update(FP=fp, TP=tp, FN=fn, TN=tn, n_pred=fp + tp, n_ref=fn + tp)
        res['metrics'][str(r)] = m
    results.append(res)
metric_list = list(results[0]['metrics']['1'].keys())
means = {str(r): {m: float(np.nanmean([c['metrics'][str(r)][m] for c in results])) for m in metric_list} for r in targets}
fg = {m: float(np.mean([means[k][m] for k in means if k != '0'])) for m in metric_list}
print(json.dumps({'metric_per_case': results, 'mean': means, 'foreground_mean': fg}, sort_keys=True, indent=4))
