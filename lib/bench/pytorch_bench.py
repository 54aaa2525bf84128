"""PyTorch side of `deno task bench`: the two reference networks of
lib/model/embedding_net.ts, timed the way lib/bench/throughput.ts times ours.

    python3 pytorch_bench.py --probe
    python3 pytorch_bench.py ARCH THREADS LAYOUT [--warmup N] [--steps N]

ARCH is conv64 (64x64x3, batch 64) or conv28 (28x28x1, batch 128); LAYOUT is nchw or
channels-last. Prints one JSON line on stdout: images per second, the median of the timed
steps after the warm-up, for training (forward, backward, Adam step) and inference (forward
only). Any failure (torch missing included) is one line on stderr and exit status 2.
"""

import argparse
import json
import sys
import time

NETWORKS = {"conv64": ((3, 64, 64), 64), "conv28": ((1, 28, 28), 128)}
LAYOUTS = ("nchw", "channels-last")


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def build(torch, architecture, dim):
    """conv64: conv32-pool-conv64-pool-conv128-GAP-dense; conv28: conv32-pool-conv64-pool-
    dense128-dense. 3x3 'same' convolutions with ReLU, 2x2 max pooling, as ours."""
    nn = torch.nn
    (channels, height, width), _ = NETWORKS[architecture]

    def conv(ci, co):
        return [nn.Conv2d(ci, co, 3, padding=1), nn.ReLU()]

    layers = conv(channels, 32) + [nn.MaxPool2d(2)] + conv(32, 64) + [nn.MaxPool2d(2)]
    if architecture == "conv64":
        layers += conv(64, 128) + [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, dim)]
    else:
        flat = (height // 4) * (width // 4) * 64
        layers += [nn.Flatten(), nn.Linear(flat, 128), nn.ReLU(), nn.Linear(128, dim)]
    return nn.Sequential(*layers)


def measure(torch, args):
    (channels, height, width), batch = NETWORKS[args.architecture]
    torch.manual_seed(0)
    net = build(torch, args.architecture, args.dim)
    x = torch.rand(batch, channels, height, width)
    if args.layout == "channels-last":
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)

    def forward():
        # Ours scales the images to [-1, 1] inside the network: so does this one.
        return net(x * 2 - 1)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        # The bench's loss on both sides: the mean squared embedding.
        loss = forward().square().mean()
        loss.backward()
        optimizer.step()
        loss.item()

    def infer_step():
        with torch.no_grad():
            forward().sum().item()

    def median_seconds(step):
        times = []
        for i in range(args.warmup + args.steps):
            started = time.perf_counter()
            step()
            if i >= args.warmup:
                times.append(time.perf_counter() - started)
        # The upper median, as lib/bench/throughput.ts takes it.
        return sorted(times)[len(times) // 2]

    train = median_seconds(train_step)
    infer = median_seconds(infer_step)
    return {
        "torch": torch.__version__.split("+")[0],
        "architecture": args.architecture,
        "layout": args.layout,
        "threads": torch.get_num_threads(),
        "trainImagesPerSecond": batch / train,
        "inferImagesPerSecond": batch / infer,
    }


def parse(argv):
    parser = argparse.ArgumentParser(description="PyTorch side of deno task bench")
    parser.add_argument("--probe", action="store_true", help="print the torch version only")
    parser.add_argument("architecture", nargs="?", choices=sorted(NETWORKS))
    parser.add_argument("threads", nargs="?", type=int)
    parser.add_argument("layout", nargs="?", choices=LAYOUTS)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--dim", type=int, default=32)
    args = parser.parse_args(argv)
    if not args.probe:
        if args.architecture is None or args.threads is None or args.layout is None:
            fail("Cannot run the PyTorch bench: give ARCH THREADS LAYOUT, or --probe")
        if args.threads < 1 or args.warmup < 0 or args.steps < 1 or args.dim < 1:
            fail("Cannot run the PyTorch bench: threads, steps and dim must be positive")
    return args


def main(argv):
    args = parse(argv)
    try:
        import torch
    except ImportError as error:
        fail(f"Cannot run the PyTorch bench: torch is not installed for {sys.executable} ({error})")
    if args.probe:
        print(json.dumps({"torch": torch.__version__.split("+")[0]}))
        return
    torch.set_num_threads(args.threads)
    print(json.dumps(measure(torch, args)))


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except SystemExit:
        raise
    except Exception as error:  # one line, not a traceback: the bench reports it and goes on
        fail(f"Cannot run the PyTorch bench: {type(error).__name__}: {error}")
