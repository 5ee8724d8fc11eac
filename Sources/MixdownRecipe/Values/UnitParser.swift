/// Parses the recipe language's units. Every function returns nil for text it does not accept,
/// so the caller can report the value's own location. Every number returned is finite, and `-0`
/// comes back as `0`.
public enum UnitParser {
    /// Seconds from `90`, `1.5`, `-3`, `250ms`, `5s`, `2m`, `1m30s`, `1h2m`, `01:02:03.5` or `02:03`.
    public static func duration(_ text: String) -> Double? {
        var body = text.trimmingSpaces()
        guard !body.isEmpty else { return nil }
        var sign = 1.0
        if body.hasPrefix("-") {
            sign = -1
            body.removeFirst()
        } else if body.hasPrefix("+") {
            body.removeFirst()
        }
        guard !body.isEmpty else { return nil }
        let magnitude: Double?
        if let plain = number(body) {
            magnitude = plain >= 0 ? plain : nil
        } else if body.contains(":") {
            magnitude = clock(body)
        } else {
            magnitude = compound(body)
        }
        guard let magnitude, magnitude.isFinite else { return nil }
        return magnitude == 0 ? 0 : sign * magnitude
    }

    /// dB from `-6dB`, `-6 dB`, `-6` or `+3db`.
    public static func level(_ text: String) -> Double? {
        var body = text.trimmingSpaces()
        if body.lowercased().hasSuffix("db") { body = String(body.dropLast(2)).trimmingSpaces() }
        return number(body)
    }

    /// Hz from `80`, `80Hz`, `2.5kHz`, `2.5k`.
    public static func frequency(_ text: String) -> Double? {
        var body = text.trimmingSpaces().lowercased()
        var scale = 1.0
        if body.hasSuffix("khz") {
            scale = 1000
            body.removeLast(3)
        } else if body.hasSuffix("hz") {
            body.removeLast(2)
        } else if body.hasSuffix("k") {
            scale = 1000
            body.removeLast()
        }
        guard let value = number(body.trimmingSpaces()), value > 0, (value * scale).isFinite else { return nil }
        return value * scale
    }

    /// Width and height from `1280x720`.
    public static func size(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.trimmingSpaces().lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]),
            (2...7680).contains(width), (2...4320).contains(height)
        else { return nil }
        return (width, height)
    }

    /// Bits per second from `192k`, `1.5M`, `128000`.
    public static func bitrate(_ text: String) -> Int? {
        var body = text.trimmingSpaces().lowercased()
        var scale = 1.0
        if body.hasSuffix("k") {
            scale = 1000
            body.removeLast()
        } else if body.hasSuffix("m") {
            scale = 1_000_000
            body.removeLast()
        }
        guard let value = number(body), value > 0 else { return nil }
        let bits = value * scale
        guard bits >= 8000, bits <= 100_000_000 else { return nil }
        return Int(bits)
    }

    /// A plain decimal number; rejects `inf`, `nan` and hex that Double(_:) would accept.
    public static func number(_ text: String) -> Double? {
        let body = text.trimmingSpaces()
        guard !body.isEmpty, body.count <= 32,
            body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E") }),
            let value = Double(body), value.isFinite
        else { return nil }
        return value == 0 ? 0 : value
    }

    private static func clock(_ body: String) -> Double? {
        let parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count) else { return nil }
        var total = 0.0
        for (index, part) in parts.enumerated() {
            let isLast = index == parts.count - 1
            guard !part.isEmpty, let value = number(part), value >= 0 else { return nil }
            if !isLast && (value != value.rounded() || value >= 60 && index > 0) { return nil }
            if isLast && value >= 60 { return nil }
            total = total * 60 + value
        }
        return total
    }

    private static func compound(_ body: String) -> Double? {
        // 1h2m3s, 2m, 1m30s, 250ms, 1.5s: number-unit pairs with units strictly decreasing.
        // (unit, seconds, rank): ranks must increase; "ms" is tried before "m".
        let units: [(String, Double, Int)] = [("h", 3600, 0), ("ms", 0.001, 3), ("m", 60, 1), ("s", 1, 2)]
        var rest = Substring(body.lowercased())
        var total = 0.0
        var lastRank = -1
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let value = number(String(digits)) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            let rank = unit.2
            guard rank > lastRank else { return nil }
            lastRank = rank
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        return total.isFinite ? total : nil
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first?.isWhitespace == true { scalars.removeFirst() }
        while scalars.last?.isWhitespace == true { scalars.removeLast() }
        return String(scalars)
    }
}
