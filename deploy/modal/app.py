"""Mixdown's render node on Modal: `mixdown render-node` in a GPU container, behind a Modal web endpoint.

Thin on purpose: everything a dispatch does (download, plan with h264_nvenc, render, upload, call back,
drain on shutdown) is the render node's own code, tested on loopback in Tests/MixdownServerTests. This
file only builds the image, starts the process, and stops it gracefully. See README.md beside it.
"""

import os
import pathlib
import signal
import subprocess

import modal

PORT = 8090
# One container renders this many dispatches at once; Modal routes more requests to other containers,
# and the node answers 429 past it (the worker asks again).
CONCURRENCY = int(os.environ.get("MIXDOWN_RENDER_CONCURRENCY", "2"))
BINARY = pathlib.Path(__file__).parent / "dist" / "mixdown"

image = (
    modal.Image.debian_slim(python_version="3.12")
    # Debian's ffmpeg has h264_nvenc; it loads libnvidia-encode from the driver Modal mounts when the
    # container asks for the video capability.
    .apt_install("ffmpeg", "libebur128-1", "libsqlite3-0", "libcurl4", "libyaml-0-2", "fonts-dejavu-core", "ca-certificates")
    .env(
        {
            "NVIDIA_DRIVER_CAPABILITIES": "compute,video,utility",
            "MIXDOWN_RENDER_DEVICE": "auto",
            "MIXDOWN_RENDER_CONCURRENCY": str(CONCURRENCY),
        }
    )
    .add_local_file(BINARY, "/usr/local/bin/mixdown", copy=True)
)

app = modal.App("mixdown-render-node", image=image)


@app.cls(
    gpu="L4",
    # RENDER_TOKEN, INTERNAL_WEBHOOK_SECRET and MIXDOWN_RENDER_CALLBACK_ORIGIN (the API's origin).
    secrets=[modal.Secret.from_name("mixdown-render-node")],
    # A dispatch renders after its 202, with no request open: keep an idle container long enough for the
    # longest render (Modal allows 20 minutes), or set min_containers=1.
    scaledown_window=1200,
    timeout=3600,
    max_containers=4,
)
@modal.concurrent(max_inputs=CONCURRENCY)
class RenderNode:
    @modal.enter()
    def start(self) -> None:
        self.process = subprocess.Popen(["mixdown", "render-node", "--host", "0.0.0.0", "--port", str(PORT)])

    @modal.web_server(PORT, startup_timeout=60)
    def serve(self) -> None:
        pass

    @modal.exit()
    def stop(self) -> None:
        # SIGTERM makes the node drain: running dispatches stop and call back `failed` (`cancelled`), which
        # the worker retries, instead of leaving their jobs to their timeout.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            self.process.kill()
