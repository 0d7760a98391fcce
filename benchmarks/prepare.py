"""Dataset preparation speed against floors measured in the same run, both using every core.

- 2.5D conversion (read + validate + normalise + resample + write parts and references) of
  synthetic SCCM-like volumes, against merely loading the same volumes with nibabel (the floor).
- Amplification (method 4, six images per qualifying image) of synthetic 512×512 training images,
  against merely reading the same source rows and writing as many rows (the floor).
Each is timed `--repeats` times, alternating with its floor, into fresh files; the medians are
compared (this VM's I/O timings vary by tens of per cent from run to run).
Targets (issue 3): conversion ≤ 1.5× its floor, amplification ≤ 2× its floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np

from stsnet.config.data import AmplificationSettings, DatasetSettings
from stsnet.data.amplify import lesion_centre, plan_amplification, resolve_thresholds, run_operations
from stsnet.data.convert import convert_case
from stsnet.data.sources import get_source
from stsnet.data.sources.synthetic import SyntheticVolumeSpec, write_synthetic_volumes
from stsnet.data.store import allocate_split, prepare_dataset, worker_pool


def _load_with_nibabel(image: str, label: str) -> int:
    return int(np.asarray(nib.load(image).dataobj).size + np.asarray(nib.load(label).dataobj).size)


def _copy_rows(images_path: str, masks_path: str, sources: list[int], first_row: int) -> None:
    images, masks = np.load(images_path, mmap_mode="r+"), np.load(masks_path, mmap_mode="r+")
    for offset, source in enumerate(sources):
        images[first_row + offset], masks[first_row + offset] = images[source], masks[source]
    images.flush()
    masks.flush()


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def _medians(work, floor, repeats: int) -> tuple[float, float]:
    """Median seconds of `work(i)` and `floor(i)` over `repeats` alternating runs (after a warm-up floor)."""
    floor(-1)
    times = [(_timed(work, i), _timed(floor, i)) for i in range(repeats)]
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def bench_conversion(work: Path, volumes: int, workers: int, repeats: int) -> tuple[float, float, int]:
    raw = write_synthetic_volumes(work / "raw", SyntheticVolumeSpec(count=volumes, seed=7))
    settings = DatasetSettings(name="sccm2022", source=str(raw), size=480)
    refs = get_source("sccm2022").list_cases(raw, settings)
    images, labels = [r.image for r in refs], [r.masks[0] for r in refs]

    def convert(attempt: int) -> None:
        parts = work / f"parts-{attempt}"
        parts.mkdir()
        list(pool.map(convert_case, refs, [settings] * len(refs), [parts] * len(refs), range(len(refs))))

    def load(_: int) -> None:
        list(pool.map(_load_with_nibabel, images, labels))

    with worker_pool(workers, len(refs)) as pool:
        work_s, floor_s = _medians(convert, load, repeats)
    slices = sum(nib.load(r.image).shape[2] for r in refs)
    return work_s, floor_s, slices


def bench_amplification(work: Path, images: int, workers: int, repeats: int) -> tuple[float, float, int]:
    store = prepare_dataset(
        DatasetSettings(
            name="synthetic-2d", size=512, synthetic_count=images, test_fraction=0.0, val_fraction=0.0
        ),
        AmplificationSettings(method="none"),
        root=work / "store",
        workers=workers,
    ).dataset
    source_images, source_masks = store.arrays("train")
    pixels = (source_masks > 0).sum(axis=(1, 2))
    settings = AmplificationSettings(method="method4", thresholds="fixed", n1=int(pixels.max()) + 1)
    centres = np.array([lesion_centre(m) for m in source_masks])
    operations = plan_amplification(pixels, centres, 512, settings, resolve_thresholds(settings, pixels))
    total = len(pixels) + len(operations)

    def fresh_arrays(name: str) -> tuple[str, str]:
        images, masks = allocate_split(work, name, total, 512)
        images[: len(pixels)], masks[: len(pixels)] = source_images, source_masks
        images.flush()
        masks.flush()
        return images.filename, masks.filename

    chunk = max(len(operations) // (4 * workers), 1)
    starts = list(range(0, len(operations), chunk))
    chunks = [operations[s : s + chunk] for s in starts]
    first_rows = [len(pixels) + s for s in starts]
    names = ["floor-1"] + [f"{kind}{i}" for kind in ("work", "floor") for i in range(repeats)]
    inputs = {name: fresh_arrays(name) for name in names}
    sources = [[op.source for op in c] for c in chunks]
    with worker_pool(workers, len(starts)) as pool:

        def amplify(attempt: int) -> None:
            list(pool.map(_run_chunk, [inputs[f"work{attempt}"]] * len(starts), chunks, first_rows))

        def floor(attempt: int) -> None:
            images_path, masks_path = inputs[f"floor{attempt}"]
            count = len(starts)
            list(pool.map(_copy_rows, [images_path] * count, [masks_path] * count, sources, first_rows))

        work_s, floor_s = _medians(amplify, floor, repeats)
    return work_s, floor_s, len(operations)


def _run_chunk(paths: tuple[str, str], operations: list, first_row: int) -> None:
    images, masks = np.load(paths[0], mmap_mode="r+"), np.load(paths[1], mmap_mode="r+")
    run_operations(images, masks, operations, first_row)
    images.flush()
    masks.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", type=int, default=8)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        conversion, load_floor, slices = bench_conversion(
            work / "convert", args.volumes, args.workers, args.repeats
        )
        amplification, io_floor, added = bench_amplification(
            work / "amplify", args.images, args.workers, args.repeats
        )
    print(f"workers: {args.workers}; medians of {args.repeats} runs")
    print(
        f"2.5D conversion: {args.volumes} volumes, {slices} slices at 480: {conversion:.2f} s; "
        f"nibabel load floor {load_floor:.2f} s; ratio {conversion / load_floor:.2f}x (target <= 1.5x)"
    )
    print(
        f"amplification: {added} images added at 512: {amplification:.2f} s; "
        f"read+write floor {io_floor:.2f} s; ratio {amplification / io_floor:.2f}x (target <= 2x)"
    )


if __name__ == "__main__":
    main()
