// Runs Sparq's ONNX exports in ONNX Runtime and compares their logits with the engine's
// (from `sparq-cli infer --json --logits` on a bundle of the same model).
// Usage: node onnxruntime_check.js DIR IMAGES_IDX_GZ RUN... ; DIR holds run<R>-<fp32|int8>.onnx,
// .json (the export's result) and engine-run<R>-<p>.json.
const ort = require('onnxruntime-node');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

(async () => {
  const [dir, images, ...runs] = process.argv.slice(2);
  let raw = fs.readFileSync(images);
  if (raw[0] === 0x1f && raw[1] === 0x8b) raw = zlib.gunzipSync(raw);
  const n = raw.readUInt32BE(4);
  const px = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; ++i) px[i] = raw[16 + i] / 255;
  let failed = 0;
  for (const run of runs) {
    for (const p of ['fp32', 'int8']) {
      const base = path.join(dir, `run${run}-${p}`);
      const arch = JSON.parse(fs.readFileSync(base + '.json')).architecture;
      const engine = JSON.parse(fs.readFileSync(path.join(dir, `engine-run${run}-${p}.json`))).logits;
      const session = await ort.InferenceSession.create(base + '.onnx', {intraOpNumThreads: 2});
      let maxDiff = 0, maxLogit = 0, agree = 0;
      for (let s = 0; s < n; s += 1000) {
        const b = Math.min(1000, n - s);
        const dims = arch === 'cnn' ? [b, 1, 28, 28] : [b, 784];
        const out = (await session.run({pixels: new ort.Tensor('float32', px.subarray(s * 784, (s + b) * 784), dims)})).logits.data;
        for (let i = 0; i < b; ++i) {
          const e = engine[s + i];
          let am = 0, ae = 0;
          for (let c = 0; c < 10; ++c) {
            maxDiff = Math.max(maxDiff, Math.abs(out[i * 10 + c] - e[c]));
            maxLogit = Math.max(maxLogit, Math.abs(e[c]));
            if (out[i * 10 + c] > out[i * 10 + am]) am = c;
            if (e[c] > e[ae]) ae = c;
          }
          if (am === ae) ++agree;
        }
      }
      // The export's own bars (engine/src/export/verify.h); the engine's logits went through
      // JSON, printed to float precision.
      const ok = p === 'int8' ? agree / n >= 0.99
                              : maxDiff <= (arch === 'gated-mlp' ? 1e-4 * Math.max(1, maxLogit) : 1e-4);
      if (!ok) ++failed;
      console.log(`run ${run} ${arch} ${p}: ONNX Runtime vs engine on ${n} images: max_abs_diff=${maxDiff.toExponential(3)} ` +
                  `argmax_agreement=${(agree / n).toFixed(5)} ${ok ? 'ok' : 'FAILED'}`);
    }
  }
  process.exit(failed ? 1 : 0);
})().catch(e => { console.error(e); process.exit(1); });
