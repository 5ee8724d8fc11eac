internal import Synchronization

/// Whether ffmpeg's `h264_nvenc` encodes on this machine. Debian's ffmpeg is built with it, so being
/// listed says nothing: the driver, a visible device and an NVENC unit on it (data-centre GPUs such as
/// the H100 have none) all have to be there. So one frame is encoded, once per ffmpeg per process.
public enum NVENCProbe {
    private static let known = Mutex<[String: Bool]>([:])

    /// The answer for `ffmpeg`, probing the first time it is asked.
    public static func works(ffmpeg: String) async -> Bool {
        if let answer = known.withLock({ $0[ffmpeg] }) { return answer }
        let arguments = [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=black:s=256x256:r=30:d=0.1",
            "-frames:v", "1", "-c:v", "h264_nvenc", "-f", "null", "-",
        ]
        let answer = (try? await ChildProcess.run(ffmpeg, arguments, tailLines: 5))?.succeeded ?? false
        known.withLock { $0[ffmpeg] = answer }
        return answer
    }
}
