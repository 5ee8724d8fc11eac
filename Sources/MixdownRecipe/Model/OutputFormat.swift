/// A container and codec an output can be written as.
public enum OutputFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case wav, flac, mp3, m4a, opus, ogg, mp4, webm, json, png

    /// The stream types this format can hold.
    public var accepts: Set<StreamType> {
        switch self {
        case .wav, .flac, .mp3, .m4a, .opus, .ogg: [.audio]
        case .mp4, .webm: [.video]
        case .json: [.data]
        case .png: [.image, .video]
        }
    }

    public var isLossy: Bool { [.mp3, .m4a, .opus, .ogg, .mp4, .webm].contains(self) }

    public var fileExtension: String { rawValue }

    public var contentType: String {
        switch self {
        case .wav: "audio/wav"
        case .flac: "audio/flac"
        case .mp3: "audio/mpeg"
        case .m4a: "audio/mp4"
        case .opus, .ogg: "audio/ogg"
        case .mp4: "video/mp4"
        case .webm: "video/webm"
        case .json: "application/json"
        case .png: "image/png"
        }
    }

    /// What an output gets when it names no format.
    public static func defaultFormat(for type: StreamType) -> OutputFormat {
        switch type {
        case .audio: .wav
        case .video: .mp4
        case .image: .png
        case .data: .json
        }
    }
}
