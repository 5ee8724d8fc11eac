internal import Foundation
import MixdownStorage

/// Keeps the server's own paths out of what clients read: job errors quote ffmpeg's and ffprobe's
/// messages, which name the files they were given.
public enum ServerPaths {
    /// `text` with the job's work folder, the storage root and the temporary folder taken out: a work
    /// file reads as `out/episode.mp3`, a stored object as its key, anything else under the temporary
    /// folder as `…/name`.
    public static func redact(_ text: String, work: String? = nil, services: MixdownServices) -> String {
        var result = text
        var prefixes: [(String, String)] = []
        if let work { prefixes.append((work + "/", "")) }
        if let root = (services.storage as? LocalStorage)?.root { prefixes.append((root + "/", "")) }
        let temporary = FileManager.default.temporaryDirectory.standardizedFileURL.path
        prefixes.append((temporary + "/", "…/"))
        for (prefix, replacement) in prefixes where prefix.count > 1 {
            result = result.replacingOccurrences(of: prefix, with: replacement)
        }
        return result
    }
}
