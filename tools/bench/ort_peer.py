# The ONNX Runtime peer (CPU) for inference: the model graphrun exported (`graphrun export`), so
# both run the same network with the same weights. One JSON line, as torch_peer.py prints.
# usage: python ort_peer.py MODEL.onnx [--batch 16] [--steps 5] [--threads 2]
import argparse, json, time
import numpy as np, onnxruntime as ort

p = argparse.ArgumentParser()
p.add_argument('model')
p.add_argument('--batch', type=int, default=16)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--steps', type=int, default=5)
a = p.parse_args()
options = ort.SessionOptions()
options.intra_op_num_threads = a.threads
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
session = ort.InferenceSession(a.model, options, providers=['CPUExecutionProvider'])
data = session.get_inputs()[0]
x = np.random.default_rng(0).standard_normal([a.batch] + list(data.shape[1:]), dtype=np.float32)
for _ in range(2):
    session.run(None, {data.name: x})
times = []
for _ in range(a.steps):
    t = time.perf_counter()
    session.run(None, {data.name: x})
    times.append(time.perf_counter() - t)
ms = sorted(times)[len(times) // 2]
print(json.dumps(dict(peer='onnxruntime-' + ort.__version__, variant='ort', mode='infer', batch=a.batch,
                      threads=a.threads, ms_per_step=round(ms * 1000, 1), img_s=round(a.batch / ms, 2))))
