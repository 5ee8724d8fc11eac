internal import Crypto
internal import Foundation
internal import HTTPTypes
internal import Logging
import MixdownStorage

/// The web studio's files (package resources), read once at start-up and served from memory, with the
/// headers that keep the page to its own origin: a Content-Security-Policy that allows no inline script
/// or style and no other host, except the bucket that serves media when storage is S3.
struct StudioFiles: Sendable {
    struct File: Sendable {
        var bytes: [UInt8]
        var contentType: String
        /// A strong validator, so a browser revalidates instead of downloading again.
        var etag: String
    }

    /// The files by the name they are served under (`/` is `index.html`, the rest under `/studio/`).
    let files: [String: File]
    let contentSecurityPolicy: String
    /// Why the files are missing, for the 404 that replaces them.
    let problem: String?

    static let names: [(name: String, contentType: String)] = [
        ("index.html", "text/html; charset=utf-8"),
        ("studio.css", "text/css; charset=utf-8"),
        ("studio.js", "text/javascript; charset=utf-8"),
    ]

    /// The resource bundle SwiftPM builds beside the executable. Bundle.module is not used: it ends the
    /// process when the bundle is missing (a binary copied without it), and a server without its studio
    /// should still serve its API.
    static let bundleName = "Mixdown_MixdownServer.resources"

    static func load(storage: any StorageAdapter) -> StudioFiles {
        let policy = contentSecurityPolicy(mediaOrigin: mediaOrigin(of: storage))
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent(bundleName).appendingPathComponent("Studio"),
            // A build tree run from elsewhere (tests, `swift run`): the sources next to this file.
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Studio"),
        ]
        for folder in candidates {
            var files: [String: File] = [:]
            for (name, contentType) in names {
                guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { break }
                let digest = SHA256.hash(data: data).prefix(16).map { String(format: "%02x", $0) }.joined()
                files[name] = File(bytes: [UInt8](data), contentType: contentType, etag: "\"\(digest)\"")
            }
            if files.count == names.count { return StudioFiles(files: files, contentSecurityPolicy: policy, problem: nil) }
        }
        let problem = "the web studio's files are not installed: copy \(bundleName) beside the mixdown binary"
        Logger(label: "mixdown.server").warning("\(problem)")
        return StudioFiles(files: [:], contentSecurityPolicy: policy, problem: problem)
    }

    /// Where a bucket serves media from (presigned or public URLs), so players and the waveform may
    /// load from it; nil for a folder, whose objects the API serves itself.
    static func mediaOrigin(of storage: any StorageAdapter) -> String? {
        guard let key = try? StorageKey("studio/origin"),
            let text = try? storage.downloadURL(for: key, expiresInSeconds: 60, downloadName: nil),
            let url = URL(string: text), let scheme = url.scheme, let host = url.host
        else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }

    static func contentSecurityPolicy(mediaOrigin: String?) -> String {
        let media = ["'self'", mediaOrigin].compactMap { $0 }.joined(separator: " ")
        return [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src \(media) data:",
            // blob: is the chosen file itself, read by the page for its duration before it is sent.
            "media-src \(media) blob:",
            "connect-src \(media)",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            // The page never turns text into HTML or script, so the browser may refuse every such sink.
            "require-trusted-types-for 'script'",
        ].joined(separator: "; ")
    }

    /// Headers every studio response carries, errors included.
    var headers: HTTPFields {
        var fields = HTTPFields()
        fields[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        fields[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        fields[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        fields[.cacheControl] = "no-cache"
        return fields
    }
}
