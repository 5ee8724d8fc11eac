internal import Foundation
internal import MixdownRecipe

/// Renames finished outputs from their temporary names to their final names, all or none.
///
/// Each rename is atomic (`rename(2)` in one folder); the set is made atomic by undoing: when one rename
/// fails, the outputs already renamed are removed again and any file they replaced is put back, so a
/// reader sees either every new output or the folder as it was.
enum OutputPublication {
    static func publish(_ files: [(temporary: String, final: String)]) throws {
        for file in files where !FileManager.default.fileExists(atPath: file.temporary) {
            throw MixdownError(code: .outputMissing, message: "\(file.temporary) disappeared before it was published; nothing was published")
        }
        var published: [(final: String, backup: String?)] = []
        for file in files {
            // A file already at the final name is kept under a second name until the whole set is in place.
            var backup: String? = "\(file.temporary).previous"
            if link(file.final, backup ?? "") != 0 { backup = nil }
            guard rename(file.temporary, file.final) == 0 else {
                let reason = String(cString: strerror(errno))
                if let backup { unlink(backup) }
                undo(published)
                throw MixdownError(
                    code: .publishFailed,
                    message: "cannot publish \(file.final): \(reason); no output was published"
                )
            }
            published.append((file.final, backup))
        }
        for entry in published { if let backup = entry.backup { unlink(backup) } }
    }

    private static func undo(_ published: [(final: String, backup: String?)]) {
        for entry in published.reversed() {
            if let backup = entry.backup {
                rename(backup, entry.final)
            } else {
                unlink(entry.final)
            }
        }
    }
}
