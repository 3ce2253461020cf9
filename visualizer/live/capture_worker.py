"""A capture process: records one input and writes mono float32 samples to stdout.

    python -m visualizer.live.capture_worker DEVICE_ID RATE BLOCK

It tries RATE first and then the rates devices commonly take, and writes one status line
to stderr first: "rate N" once recording, or "error: ..." (then exits with status 1) when
the device cannot be opened or stops. Its parent (`visualizer.live.capture`) resamples.
"""

from __future__ import annotations

import sys

FALLBACK_RATES = (48000, 44100)


def main(device_id: str, rate: int, block: int) -> int:
    import numpy as np

    from visualizer.live.devices import CaptureError, soundcard_module

    def say(line: str) -> None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    try:
        sc = soundcard_module()
        device = sc.get_microphone(id=device_id, include_loopback=True)
    except CaptureError as error:
        say(f"error: {error.message}")
        return 1
    except Exception as error:
        say(f"error: the input is gone ({_reason(error)})")
        return 1
    last_error = None
    for candidate in dict.fromkeys((rate, *FALLBACK_RATES)):
        try:
            recorder = device.recorder(samplerate=candidate, channels=None, blocksize=block)
            recorder.__enter__()
        except Exception as error:
            last_error = error
            continue
        say(f"rate {candidate}")
        out = sys.stdout.buffer
        try:
            while True:
                data = recorder.record(numframes=block)
                mono = np.asarray(data, dtype=np.float32)
                if mono.ndim == 2:
                    mono = mono.mean(axis=1)
                out.write(np.ascontiguousarray(mono, dtype=np.float32).tobytes())
                out.flush()
        except (BrokenPipeError, KeyboardInterrupt):
            return 0
        except Exception as error:
            say(f"error: the input stopped ({_reason(error)})")
            return 1
    say(f"error: the input takes none of the rates {rate}, "
        f"{', '.join(map(str, FALLBACK_RATES))} Hz ({_reason(last_error)})")
    return 1


def _reason(error: Exception | None) -> str:
    text = str(error).strip() if error is not None else ""
    return text.splitlines()[0] if text else type(error).__name__


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
