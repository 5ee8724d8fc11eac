internal import Synchronization

/// Whether ffmpeg's `h264_nvenc` encodes on this machine. Debian's ffmpeg is built with it, so being
/// listed says nothing: the driver, a visible device and an NVENC unit on it (data-centre GPUs such as
/// the H100 have none) all have to be there. So one frame is encoded.
///
/// A yes is kept for the process; a no for ten minutes (a GPU busy with all its sessions may free one);
/// a probe cut short by cancellation is not kept at all. A probe that hangs (a wedged driver) counts as
/// no after 30 s.
public enum NVENCProbe {
    private static let known = Mutex<[String: (works: Bool, at: ContinuousClock.Instant)]>([:])
    static let negativeLifetime = Duration.seconds(600)

    /// The answer for `ffmpeg`, probing when none is kept.
    public static func works(ffmpeg: String) async -> Bool {
        let now = ContinuousClock.now
        if let kept = known.withLock({ $0[ffmpeg] }), kept.works || now - kept.at < negativeLifetime { return kept.works }
        let arguments = [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=black:s=256x256:r=30:d=0.1",
            "-frames:v", "1", "-c:v", "h264_nvenc", "-f", "null", "-",
        ]
        let answer: Bool? = await withTaskGroup(of: Bool?.self) { group in
            group.addTask { (try? await ChildProcess.run(ffmpeg, arguments, tailLines: 5))?.succeeded ?? false }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return Task.isCancelled ? nil : false
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard !Task.isCancelled, let answer else { return false }
        known.withLock { $0[ffmpeg] = (answer, .now) }
        return answer
    }
}
