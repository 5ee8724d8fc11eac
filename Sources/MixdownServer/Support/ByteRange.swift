/// A `Range` request header resolved against a representation's size, per RFC 9110 section 14: one
/// `bytes` range is served; several ranges, another unit or bad syntax are ignored (the whole
/// representation); a range that starts past the end, or a zero-length suffix, cannot be satisfied.
enum ByteRange: Equatable {
    /// No usable range: send everything with 200.
    case whole
    /// A satisfiable range, its end clamped to the last byte: send it with 206.
    case partial(ClosedRange<Int>)
    /// A well-formed range that selects nothing: 416 with `Content-Range: bytes */SIZE`.
    case unsatisfiable

    init(_ header: String?, size: Int) {
        guard let header = header?[...], let equals = header.firstIndex(of: "=") else {
            self = .whole
            return
        }
        // The unit is case-insensitive (section 14.1).
        let unit = header[..<equals].trimmingSpaces.lowercased()
        let set = header[header.index(after: equals)...].trimmingSpaces
        // One range only: multipart/byteranges is not offered, so several ranges get the whole body.
        guard unit == "bytes", !set.contains(","), let dash = set.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let first = set[..<dash].trimmingSpaces
        let last = set[set.index(after: dash)...].trimmingSpaces
        if first.isEmpty {
            // `-N`: the last N bytes; digits too many for an Int still mean "all of it".
            guard Self.isDigits(last) else {
                self = .whole
                return
            }
            let suffix = Int(last) ?? Int.max
            self = suffix > 0 && size > 0 ? .partial(max(0, size - suffix)...(size - 1)) : .unsatisfiable
            return
        }
        guard Self.isDigits(first), last.isEmpty || Self.isDigits(last) else {
            self = .whole
            return
        }
        let start = Int(first) ?? Int.max
        let end = last.isEmpty ? Int.max : Int(last) ?? Int.max
        // `last < first` is not a valid range: ignored, like any other bad syntax.
        guard end >= start else {
            self = .whole
            return
        }
        self = start < size ? .partial(start...min(end, size - 1)) : .unsatisfiable
    }

    private static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
