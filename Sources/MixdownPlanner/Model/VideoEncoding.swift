public import MixdownRecipe

/// How a plan encodes H.264 video, and why: what `mixdown plan` shows for a render.
public struct VideoEncoding: Sendable, Hashable, Codable {
    /// The device the recipe (or the server's default) asked for.
    public var requested: RenderDevice
    public var encoder: VideoEncoder
    /// Why this encoder, in words: "the recipe asks for the CPU", "no NVIDIA encoder works on this machine".
    public var reason: String

    public init(requested: RenderDevice, encoder: VideoEncoder, reason: String) {
        self.requested = requested
        self.encoder = encoder
        self.reason = reason
    }

    /// NVENC's H.264 encoder takes frames up to 4096 pixels a side.
    public static let nvencLargestSide = 4096

    /// The choice for `requested` on a machine where h264_nvenc does (or does not) encode, for video whose
    /// largest frame side is `largestSide`.
    public static func choose(_ requested: RenderDevice, nvencWorks: Bool, largestSide: Int = 0) -> VideoEncoding {
        if requested != .cpu, nvencWorks, largestSide > nvencLargestSide {
            return VideoEncoding(
                requested: requested,
                encoder: .libx264,
                reason: "the video is \(largestSide) pixels wide or high, past NVENC's H.264 limit of \(nvencLargestSide)"
            )
        }
        return switch (requested, nvencWorks) {
        case (.cpu, _): VideoEncoding(requested: requested, encoder: .libx264, reason: "the CPU was asked for")
        case (_, true): VideoEncoding(requested: requested, encoder: .h264NVENC, reason: "an NVIDIA encoder works on this machine")
        case (.gpu, false):
            VideoEncoding(requested: requested, encoder: .libx264, reason: "the GPU was asked for, but no NVIDIA encoder works on this machine")
        case (.auto, false): VideoEncoding(requested: requested, encoder: .libx264, reason: "no NVIDIA encoder works on this machine")
        }
    }
}

/// An H.264 encoder ffmpeg offers.
public enum VideoEncoder: String, Sendable, Hashable, Codable, CaseIterable {
    case libx264
    case h264NVENC = "h264_nvenc"

    /// Codec arguments for an mp4 output (yuv420p, so every web player can decode it).
    func arguments(preview: Bool) -> [String] {
        switch self {
        case .libx264:
            ["-c:v", "libx264", "-preset", preview ? "ultrafast" : "veryfast", "-crf", preview ? "30" : "23", "-pix_fmt", "yuv420p"]
        case .h264NVENC:
            // Constant quality like libx264's CRF: VBR with a CQ target and no bitrate cap.
            ["-c:v", "h264_nvenc", "-preset", preview ? "p1" : "p4", "-rc", "vbr", "-cq", preview ? "30" : "23", "-b:v", "0", "-pix_fmt", "yuv420p"]
        }
    }
}
