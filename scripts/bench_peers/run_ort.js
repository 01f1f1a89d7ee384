// Time ONNX Runtime (onnxruntime-node, CPU provider) on the exported ONNX model; prints
// median_ms, min_ms, peak_rss_mb like ffnet-segment --benchmark (peak RSS from getrusage).
// usage: node run_ort.js MODULE_DIR MODEL.onnx INPUT.npy THREADS RUNS [RANGES.json]
// RUNS 0: create the session and run once, nothing timed (for the time to the first result,
// measured from outside the process). With RANGES.json: run once and write every output's
// [min, max] there (the calibration of make_qdq.py), nothing timed.
'use strict';
const fs = require('fs');
const path = require('path');

// A little-endian float32 C-order .npy file as {shape, data}.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLen);
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True"))
    throw new Error(`${file}: expected a little-endian float32 C-order array`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const start = 10 + headerLen;
  // A view, not a copy (the header pads the data to a 64-byte offset): the input is held once,
  // as by every other peer.
  const count = (buf.length - start) / 4;
  const data = (buf.byteOffset + start) % 4 === 0
    ? new Float32Array(buf.buffer, buf.byteOffset + start, count)
    : new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return { shape, data };
}

async function main() {
  const [moduleDir, modelPath, inputPath, threads, runs, rangesPath] = process.argv.slice(2);
  const ort = require(path.resolve(moduleDir, 'node_modules', 'onnxruntime-node'));
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const input = readNpy(inputPath);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input.data, input.shape) };
  const first = await session.run(feeds);
  if (rangesPath) {
    const ranges = {};
    for (const [name, tensor] of Object.entries(first)) {
      let lo = Infinity, hi = -Infinity;
      for (const v of tensor.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      ranges[name] = [lo, hi];
    }
    fs.writeFileSync(rangesPath, JSON.stringify(ranges));
    return;
  }
  if (Number(runs) === 0) return;
  const times = [];
  for (let i = 0; i < Number(runs); ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(`median_ms=${median.toFixed(3)} min_ms=${times[0].toFixed(3)} peak_rss_mb=${peakMb.toFixed(1)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
