"""`davis live`: the visuals of whatever the computer plays, or a microphone.

    devices.py         the capture devices (soundcard): listing, choosing one
    capture_worker.py  a process that records one device and writes its samples to stdout
    capture.py         runs that worker, restarts it when the device is lost or stalls
    source.py          captured audio -> the streaming model -> live features, input level
    player.py          the player of `davis play` with a live source instead of songs

Capture runs in a worker process of its own so that a lost device, a PulseAudio server that
went away or a native library stuck in a read never takes the window down: the worker is
simply started again, with a fresh connection, a few seconds later.
"""
