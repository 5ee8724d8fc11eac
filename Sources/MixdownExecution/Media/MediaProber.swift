internal import Foundation
public import MixdownPlanner
internal import MixdownRecipe

/// Reads media facts with ffprobe, once per file: results are cached by path, size and modification time,
/// so planning many recipes over the same inputs probes each input once.
public actor MediaProber {
    private struct Key: Hashable {
        var path: String
        var size: UInt64
        var modified: Double
    }

    let tools: MediaTools
    private var cache: [Key: MediaFacts] = [:]

    public init(tools: MediaTools) {
        self.tools = tools
    }

    public func facts(for path: String) async throws -> MediaFacts {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes else { throw MixdownError(code: .missingFile, message: "no file at \(path)") }
        let key = Key(
            path: path,
            size: (attributes[.size] as? NSNumber)?.uint64Value ?? 0,
            modified: (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        )
        if let cached = cache[key] { return cached }
        let facts = try await probe(path)
        cache[key] = facts
        return facts
    }

    /// Facts of media read over HTTP(S), an object in a bucket by its presigned URL (not cached: the URL
    /// changes). Only ``remoteReadArguments`` apply: nothing but plain containers over http(s).
    public func facts(forURL url: String) async throws -> MediaFacts {
        try await probe(url, restrictions: Self.remoteReadArguments)
    }

    /// For media read from a URL: ffmpeg may open only plain media containers (``MediaFacts/plainContainers``),
    /// so a playlist uploaded in place of media is refused before it can make ffmpeg fetch anything, and only
    /// over http(s).
    public static let remoteReadArguments = [
        "-protocol_whitelist", "http,https,tcp,tls",
        "-format_whitelist", MediaFacts.plainContainers.sorted().joined(separator: ","),
    ]

    private func probe(_ path: String, restrictions: [String] = []) async throws -> MediaFacts {
        let collector = LineCollector()
        let outcome = try await ChildProcess.run(
            tools.ffprobe,
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams"] + restrictions + [path],
            onLine: { collector.append($0) }
        )
        guard outcome.succeeded, let data = collector.text.data(using: .utf8),
            let json = try? JSONDecoder().decode(ProbeOutput.self, from: data)
        else {
            let reason = outcome.standardErrorTail.last ?? "ffprobe failed"
            // A URL is not named: it carries a signature.
            let what = restrictions.isEmpty ? path : "from the bucket"
            throw MixdownError(
                code: .unreadableMedia,
                message: "cannot read media \(what): \(restrictions.isEmpty ? reason : reason.replacingOccurrences(of: path, with: "(url)"))"
            )
        }
        let audio = json.streams.first { $0.codec_type == "audio" }
        let video = json.streams.first { $0.codec_type == "video" }
        // A crafted file can claim any length; only a finite, non-negative one is a length at all.
        let duration = (json.format?.duration.flatMap(Double.init) ?? audio?.duration.flatMap(Double.init)).flatMap {
            $0.isFinite && $0 >= 0 ? $0 : nil
        }
        let isStill = video != nil && audio == nil && (json.format?.format_name?.contains("pipe") == true || json.format?.format_name == "image2")
        return MediaFacts(
            duration: isStill ? nil : duration,
            hasAudio: audio != nil,
            hasVideo: video != nil,
            sampleRate: audio?.sample_rate.flatMap { Int($0) },
            channels: audio?.channels,
            width: video?.width,
            height: video?.height,
            formatName: json.format?.format_name
        )
    }

    private struct ProbeOutput: Decodable {
        struct Stream: Decodable {
            var codec_type: String?
            var sample_rate: String?
            var channels: Int?
            var width: Int?
            var height: Int?
            var duration: String?
        }
        struct Format: Decodable {
            var duration: String?
            var format_name: String?
        }
        var streams: [Stream]
        var format: Format?
    }
}

/// Gathers lines from a child process's callback; the lock makes it safe across tasks.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return lines.joined(separator: "\n")
    }
}
