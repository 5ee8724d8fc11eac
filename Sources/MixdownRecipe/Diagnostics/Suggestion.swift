/// Finds the closest known name to a misspelt one, for "did you mean" hints.
enum Suggestion {
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        // Names are at most 64 characters; a longer word is no typo of one, and the distance is quadratic.
        guard word.utf8.count <= 128 else { return nil }
        let lowered = word.lowercased()
        var best: (name: String, distance: Int)?
        // A document may declare tens of thousands of names; a hint looks among the first few hundred only,
        // so a hundred bad references cost milliseconds, not minutes.
        for candidate in candidates.prefix(500) where candidate.utf8.count <= 128 {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best else { return nil }
        // Allow roughly one typo per three characters; beyond that the hint is noise.
        let allowed = max(1, min(3, (word.count + 2) / 3))
        return best.distance <= allowed ? best.name : nil
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
