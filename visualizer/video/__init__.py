"""Writing rendered frames to a video file, with the song's audio (`davis render`).

The pipeline keeps the GPU, the readback and the encoder busy at the same time:

    containers.py  containers by extension, their codecs and settings, output checks
    soundtrack.py  the song's audio for the rendered span (decoded by `encoder.audio`)
    readback.py    RGBA texture -> I420 bytes on the GPU, read back through two buffers
    encoding.py    the encoder thread: frames and audio muxed into a temporary file
    writer.py      readback + encoder behind one context manager
    render.py      the render loop: looks, the fixed-step clock, the renderer, the writer
"""

from visualizer.video.containers import (CONTAINERS, DEFAULT_CRF, Container, VideoError,
                                         audio_rate_for, check_output, check_size,
                                         container_for)
from visualizer.video.encoding import VideoFile
from visualizer.video.readback import I420Readback
from visualizer.video.render import RenderResult, frame_count, render_video
from visualizer.video.soundtrack import soundtrack
from visualizer.video.writer import VideoWriter

__all__ = ["CONTAINERS", "DEFAULT_CRF", "Container", "I420Readback", "RenderResult",
           "VideoError", "VideoFile", "VideoWriter", "audio_rate_for", "check_output",
           "check_size", "container_for", "frame_count", "render_video", "soundtrack"]
