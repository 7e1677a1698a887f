process.env.ENGINE_BENCH_FILES = '10';
const m = await import('/work/wt/robust/bench/engine.ts');
await m.run();
