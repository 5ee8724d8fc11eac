/// Writes JSON by hand for the hottest route (`GET /v1/jobs/{id}`): the same document `JSONEncoder`
/// writes with sorted keys, several times faster. Keys must be given in sorted order.
///
/// Total: every string and every `Double` gives valid JSON; non-finite numbers, which `JSONEncoder`
/// refuses, are written as `null`.
struct JSONWriter {
    private(set) var text = ""
    private var needsComma = [false]

    init() {
        text.reserveCapacity(1024)
    }

    mutating func beginObject() {
        separate()
        text += "{"
        needsComma.append(false)
    }

    mutating func endObject() {
        text += "}"
        needsComma.removeLast()
    }

    mutating func beginArray() {
        separate()
        text += "["
        needsComma.append(false)
    }

    mutating func endArray() {
        text += "]"
        needsComma.removeLast()
    }

    mutating func key(_ name: String) {
        separate()
        Self.quote(name, into: &text)
        text += ":"
        needsComma[needsComma.count - 1] = false
    }

    mutating func string(_ value: String) {
        separate()
        Self.quote(value, into: &text)
    }

    /// A finite number as the shortest text that reads back as the same `Double` (whole numbers below 10^15
    /// without a fraction); NaN and the infinities, which JSON cannot spell, as `null`.
    mutating func number(_ value: Double) {
        separate()
        if !value.isFinite {
            text += "null"
        } else if value == 0 && value.sign == .minus {
            text += "-0"
        } else if value == value.rounded() && abs(value) < 1e15 {
            // Exact: every whole Double below 10^15 fits an Int64 (which traps from 2^63 up).
            text += String(Int64(value))
        } else {
            // Swift's shortest round-trip form: digits, `.`, `e+NN`/`e-NN`: valid JSON for every finite value.
            text += String(value)
        }
    }

    mutating func number(_ value: Int) {
        separate()
        text += String(value)
    }

    mutating func bool(_ value: Bool) {
        separate()
        text += value ? "true" : "false"
    }

    /// Already-encoded JSON.
    mutating func raw(_ json: String) {
        separate()
        text += json
    }

    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }

    static func quote(_ value: String, into text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
