/// Where a named input comes from.
public enum InputSource: Sendable, Hashable, Codable {
    /// Supplied at submission (CLI: `--input NAME=PATH`).
    case upload
    /// A path relative to the recipe file.
    case file(String)
    /// An http(s) URL downloaded with a byte cap.
    case url(String)
    /// A page yt-dlp understands; audio only, with size and duration caps.
    case youtube(String)
    /// An asset stored by an earlier job.
    case asset(String)

    /// The recipe keyword for this source.
    public var keyword: String {
        switch self {
        case .upload: "upload"
        case .file: "file"
        case .url: "url"
        case .youtube: "youtube"
        case .asset: "asset"
        }
    }
}
