"""graphrun train across processes: mpirun ranks on loopback, one thread each.
An N-rank run equals one process at the same global batch (float32 within 2e-4 of each layer's
weight scale, float64 within 1e-10); the ranks' weights stay identical
(--verify-replicas hashes them after every step); a job whose ranks disagree, a rank that is
killed or hangs, and a global batch the ranks do not divide are clear errors, never hangs;
checkpoints resume on another number of ranks.
usage: test_distributed.py GRAPHRUN"""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

from cli_util import fail, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
MINI = ROOT / "graphs" / "alexnet_mini.pb"
MPIRUN = shutil.which("mpirun")
# One oneDNN thread in every process, single or rank (on 2 cores); as root (CI machines) Open MPI
# wants both variables.
os.environ["OMP_NUM_THREADS"] = "1"
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
BATCH = 24  # divided by 1, 2 and 3 ranks
# Seed 0: this net's float32 trajectory forks after a few steps at some seeds whatever splits the
# batch (a max-pool tie that rounding flips: 2 devices in one process fork at seed 5 as 3 ranks
# do), so the comparison takes a seed whose 10 steps do not fork on this machine.
TRAIN = ["train", MINI, "--data", "fashion-mnist", "--batch-size", BATCH, "--quiet", "--seed", "0"]


def mpirun(n, args, timeout=300, check=True):
    cmd = [MPIRUN, "--oversubscribe", "--bind-to", "none", "-np", str(n), GRAPHRUN, *map(str, args)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)
    if check and p.returncode != 0:
        fail(f"mpirun -np {n} graphrun {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr[-3000:]}")
    return p


def weights(folder):
    with np.load(pathlib.Path(folder) / "weights.npz") as z:
        return {k: z[k].astype(np.float64) for k in z.files}


def worst_difference(a, b):
    """The largest difference of any layer's weights, relative to that layer's weight scale."""
    if sorted(a) != sorted(b):
        fail(f"different variables: {sorted(a)} vs {sorted(b)}")
    return max(np.abs(a[k] - b[k]).max() / max(np.abs(a[k]).max(), 1e-12) for k in a)


def check_equal_to_one_process(tmp):
    run(GRAPHRUN, *TRAIN, "--steps", 10, "--checkpoint-dir", tmp / "one", timeout=300)
    one = weights(tmp / "one")
    for n in (2, 3):
        p = mpirun(n, [*TRAIN, "--steps", 10, "--checkpoint-dir", tmp / f"np{n}", "--verify-replicas"])
        if p.stdout.count("done:") != 1:
            fail(f"-np {n}: want one summary (rank 0's), got:\n{p.stdout}")
        if f"on {n} ranks x cpu:0" not in p.stderr:
            fail(f"-np {n}: the start line does not name the ranks:\n{p.stderr[-2000:]}")
        worst = worst_difference(one, weights(tmp / f"np{n}"))
        print(f"{n} ranks vs one process, 10 steps at global batch {BATCH}: worst difference {worst:.2e} of a layer's "
              "weight scale")
        if not worst < 2e-4:
            fail(f"{n} ranks differ from one process by {worst:.2e} of a layer's weight scale (want < 2e-4)")
    # A launcher of one rank changes nothing: the same bits as without mpirun.
    mpirun(1, [*TRAIN, "--steps", 10, "--checkpoint-dir", tmp / "np1"])
    if worst_difference(one, weights(tmp / "np1")) != 0:
        fail("mpirun -np 1 trained other weights than a plain process")


def check_float64(tmp):
    # In float64 the sums' order moves the weights by ~1e-16, so the same comparison holds at
    # 1e-10, at a seed whose float32 run forks (5), and with each rank splitting the model in two.
    args = ["train", MINI, "--data", "fashion-mnist", "--batch-size", BATCH, "--quiet", "--seed", 5, "--steps", 10,
            "--dtype", "float64"]
    run(GRAPHRUN, *args, "--checkpoint-dir", tmp / "f64_one", timeout=300)
    one = weights(tmp / "f64_one")
    for n, extra in ((2, []), (3, []), (2, ["--devices", "cpu:0,cpu:1", "--parallel", "model"])):
        name = f"f64_np{n}{'_split' if extra else ''}"
        mpirun(n, [*args, *extra, "--checkpoint-dir", tmp / name, "--verify-replicas"])
        worst = worst_difference(one, weights(tmp / name))
        print(f"float64, {n} ranks{' each split over 2 devices' if extra else ''} vs one process: {worst:.1e}")
        if not worst < 1e-10:
            fail(f"float64: {n} ranks {extra} differ from one process by {worst:.2e} (want < 1e-10)")


def check_validation_is_summed(tmp):
    # A small array data set (both splits the same 96 samples): one epoch each way, the ranks
    # evaluating their shares of the validation set and summing them.
    rng = np.random.default_rng(0)
    data = tmp / "small.npz"
    np.savez(data, images=rng.normal(size=(96, 1, 28, 28)).astype(np.float32), labels=rng.integers(0, 10, 96))
    args = ["train", MINI, "--data", f"npz:{data}", "--batch-size", BATCH, "--epochs", 1, "--quiet"]
    one = run(GRAPHRUN, *args, timeout=300).stdout
    many = mpirun(3, args).stdout
    found = [re.search(r"val top-1 ([0-9.]+)", text) for text in (one, many)]
    if not all(found) or found[0].group(1) != found[1].group(1):
        fail(f"validation of 3 ranks differs from one process:\n{one}\n{many}")


def check_resume_on_other_rank_count(tmp):
    mpirun(2, [*TRAIN, "--steps", 6, "--checkpoint-dir", tmp / "two", "--checkpoint-every", 3,
               "--keep-checkpoints", 1])
    kept = sorted(p.name for p in (tmp / "two").glob("step-*.ckpt"))
    if kept != ["step-6.ckpt"]:
        fail(f"--checkpoint-every 3 --keep-checkpoints 1 after 6 steps left {kept}, want ['step-6.ckpt']")
    mpirun(3, [*TRAIN, "--steps", 10, "--checkpoint-dir", tmp / "three", "--resume", tmp / "two" / "step-6.ckpt"])
    worst = worst_difference(weights(tmp / "one"), weights(tmp / "three"))
    print(f"2 ranks for 6 steps, resumed on 3 for 4 more: worst difference {worst:.2e} from one process")
    if not worst < 2e-4:
        fail(f"resumed on 3 ranks: {worst:.2e} of a layer's weight scale from the uninterrupted run")


def check_errors(tmp):
    p = run(GRAPHRUN, "train", MINI, "--dtype", "float64", "--precision", "bf16", "--steps", 1, check=False)
    if p.returncode != 2 or "--dtype float64 computes in double precision: it takes --precision fp32" not in p.stderr:
        fail(f"--dtype float64 with --precision bf16: exit {p.returncode}\n{p.stderr[-2000:]}")
    p = mpirun(3, ["train", MINI, "--data", "synthetic", "--batch-size", 10, "--steps", 1], timeout=120, check=False)
    if p.returncode == 0 or "--batch-size 10 is the global batch, shared by 3 ranks" not in p.stderr:
        fail(f"a global batch of 10 on 3 ranks: exit {p.returncode}\n{p.stderr[-2000:]}")
    # Ranks started with different seeds (mpirun's MPMD form): every rank refuses, naming rank 1.
    start = time.monotonic()
    cmd = [MPIRUN, "--oversubscribe", "--bind-to", "none"]
    for seed in (1, 2):
        cmd += ["-np", "1", GRAPHRUN, *map(str, TRAIN[:-2]), "--seed", str(seed), "--steps", "3", ":"]
    p = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=120, env=ENV)
    errors = [line for line in p.stderr.splitlines() if "error:" in line]
    if p.returncode == 0 or len(errors) != 2 or not all("rank 1 has the seed = 2 where rank 0 has 1" in e for e in errors):
        fail(f"ranks with different seeds: exit {p.returncode}, errors {errors}\n{p.stderr[-2000:]}")
    print(f"ranks that disagree: every rank refused in {time.monotonic() - start:.1f} s: {errors[0]}")
    # A rank that fails alone (here its data is missing) leaves at once, without waiting in
    # MPI_Finalize for the others, and the launcher ends the job: well within --comm-timeout.
    start = time.monotonic()
    cmd = [MPIRUN, "--oversubscribe", "--bind-to", "none", "-np", "1", GRAPHRUN, *map(str, TRAIN), "--steps", "3", ":",
           "-np", "1", GRAPHRUN, "train", MINI, "--data", f"npz:{tmp / 'missing.npz'}", "--batch-size", BATCH, "--steps", "3"]
    p = subprocess.run(list(map(str, cmd)), capture_output=True, text=True, timeout=120, env=ENV)
    seconds = time.monotonic() - start
    print(f"a rank that fails alone: the job ended in {seconds:.1f} s (exit {p.returncode})")
    if p.returncode == 0 or "rank 1: error:" not in p.stderr or seconds > 30:
        fail(f"rank 1 failing alone: exit {p.returncode} after {seconds:.1f} s\n{p.stderr[-2000:]}")


def rank_pids(launcher_pid, want):
    """The pids of the ranks mpirun started, by rank (read from their environment)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = {}
        for proc in pathlib.Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if (proc / "stat").read_text().split(") ")[1].split()[1] != str(launcher_pid):
                    continue
                env = (proc / "environ").read_bytes().split(b"\0")
            except (OSError, IndexError):
                continue
            for entry in env:
                if entry.startswith(b"OMPI_COMM_WORLD_RANK="):
                    found[int(entry.split(b"=")[1])] = int(proc.name)
        if len(found) == want:
            return found
        time.sleep(0.2)
    fail(f"mpirun's {want} ranks did not start")


def start_long_run(tmp, n, extra):
    cmd = [MPIRUN, "--oversubscribe", "--bind-to", "none", "-np", str(n), GRAPHRUN, *map(str, TRAIN),
           "--steps", "100000", "--metrics", str(tmp / "long.jsonl"), *map(str, extra)]
    (tmp / "long.jsonl").unlink(missing_ok=True)
    launcher = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    pids = rank_pids(launcher.pid, n)
    deadline = time.monotonic() + 120  # until the ranks are past the first steps
    while time.monotonic() < deadline and (not (tmp / "long.jsonl").exists() or
                                           (tmp / "long.jsonl").read_text().count("\n") < 3):
        time.sleep(0.2)
    return launcher, pids


def wait_end(launcher, after):
    """The launcher's stdout and stderr once it ends (a test failure after 90 s), and the seconds
    since `after`."""
    try:
        out, err = launcher.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        launcher.kill()
        fail(f"the job did not end within 90 s after {after[1]}")
    return out, err, time.monotonic() - after[0]


def check_dead_rank(tmp):
    launcher, pids = start_long_run(tmp, 3, [])
    os.kill(pids[1], signal.SIGKILL)
    _, err, seconds = wait_end(launcher, (time.monotonic(), "rank 1 was killed"))
    print(f"rank 1 killed: the job ended in {seconds:.1f} s (exit {launcher.returncode})")
    if launcher.returncode == 0 or not re.search(r"rank 1\b", err):
        fail(f"after rank 1 was killed: exit {launcher.returncode}, and the output does not name rank 1:\n{err[-2000:]}")


def check_stop_signal(tmp):
    # mpirun forwards SIGUSR1 to every rank: they stop together at a step boundary, rank 0 saves.
    launcher, _ = start_long_run(tmp, 2, ["--checkpoint-dir", tmp / "stopped"])
    launcher.send_signal(signal.SIGUSR1)
    out, err, _ = wait_end(launcher, (time.monotonic(), "SIGUSR1"))
    if launcher.returncode != 0 or "interrupted:" not in out or not (tmp / "stopped" / "latest.ckpt").exists():
        fail(f"after SIGUSR1: exit {launcher.returncode}, stdout {out!r}\n{err[-2000:]}")
    print(f"SIGUSR1 to mpirun: both ranks stopped, {out.strip()}")


def check_hung_rank(tmp):
    # A rank that stops answering (SIGSTOP) but does not exit: the others time out, naming it.
    launcher, pids = start_long_run(tmp, 3, ["--comm-timeout", "5"])
    os.kill(pids[2], signal.SIGSTOP)
    try:
        _, err, seconds = wait_end(launcher, (time.monotonic(), "rank 2 hung (--comm-timeout 5)"))
    finally:
        try:
            os.kill(pids[2], signal.SIGCONT)
            os.kill(pids[2], signal.SIGKILL)
        except ProcessLookupError:
            pass
    # Stopped before a collective, rank 2 is named; stopped inside one (after it said it had
    # arrived), the others can only say that a rank stopped during the transfer.
    said = [line for line in err.splitlines() if "--comm-timeout" in line and
            ("rank 2 never reached it" in line or "one died or stopped during the transfer" in line)]
    print(f"rank 2 stopped: the job ended in {seconds:.1f} s; {said[0] if said else err[-500:]}")
    if launcher.returncode == 0 or not said or seconds > 60:
        fail(f"after rank 2 hung: exit {launcher.returncode} after {seconds:.1f} s, no error saying so:\n{err[-2000:]}")


def main():
    if MPIRUN is None:
        fail("mpirun is missing: tools/dev.sh installs openmpi-bin")
    with tempfile.TemporaryDirectory() as name:
        tmp = pathlib.Path(name)
        check_equal_to_one_process(tmp)
        check_float64(tmp)
        check_resume_on_other_rank_count(tmp)
        check_validation_is_summed(tmp)
        check_errors(tmp)
        check_dead_rank(tmp)
        check_stop_signal(tmp)
        check_hung_rank(tmp)
    print("distributed: ok")


if __name__ == "__main__":
    GRAPHRUN = sys.argv[1]
    main()
