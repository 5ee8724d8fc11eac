internal import Foundation

/// One SQL value as the Hrana protocol carries it: `{"type":"integer","value":"42"}` (a 64-bit integer as
/// a string, since JSON numbers lose precision past 2^53), `{"type":"float","value":1.5}`,
/// `{"type":"text","value":"..."}`, `{"type":"blob","base64":"..."}` or `{"type":"null"}`.
///
/// Decoding never traps: an unknown type, an integer that is not one, or bad base64 throws.
enum HranaValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case float(Double)
    case text(String)
    case blob([UInt8])
}

extension HranaValue: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, value, base64
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "null":
            self = .null
        case "integer":
            let text = try container.decode(String.self, forKey: .value)
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(forKey: .value, in: container, debugDescription: "not a 64-bit integer: \(text.prefix(40))")
            }
            self = .integer(value)
        case "float":
            self = .float(try container.decode(Double.self, forKey: .value))
        case "text":
            self = .text(try container.decode(String.self, forKey: .value))
        case "blob":
            let text = try container.decode(String.self, forKey: .base64)
            // sqld leaves out the padding; Foundation wants it.
            let padded = text + String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
            guard let data = Data(base64Encoded: padded) else {
                throw DecodingError.dataCorruptedError(forKey: .base64, in: container, debugDescription: "bad base64")
            }
            self = .blob(Array(data))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown value type \(other.prefix(40))")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .null:
            try container.encode("null", forKey: .type)
        case .integer(let value):
            try container.encode("integer", forKey: .type)
            try container.encode(String(value), forKey: .value)
        case .float(let value):
            // JSON has no NaN or infinity: JSONEncoder throws for them, which is the right answer here too.
            try container.encode("float", forKey: .type)
            try container.encode(value, forKey: .value)
        case .text(let value):
            try container.encode("text", forKey: .type)
            try container.encode(value, forKey: .value)
        case .blob(let bytes):
            try container.encode("blob", forKey: .type)
            try container.encode(Data(bytes).base64EncodedString(), forKey: .base64)
        }
    }
}

/// Swift values that bind to a `?` in a Hrana statement.
protocol HranaArgument: Sendable {
    var hranaValue: HranaValue { get }
}

extension HranaValue: HranaArgument {
    var hranaValue: HranaValue { self }
}
extension String: HranaArgument {
    var hranaValue: HranaValue { .text(self) }
}
extension Int64: HranaArgument {
    var hranaValue: HranaValue { .integer(self) }
}
extension Int: HranaArgument {
    var hranaValue: HranaValue { .integer(Int64(self)) }
}
extension Double: HranaArgument {
    var hranaValue: HranaValue { .float(self) }
}
extension Bool: HranaArgument {
    var hranaValue: HranaValue { .integer(self ? 1 : 0) }
}
extension Optional: HranaArgument where Wrapped: HranaArgument {
    var hranaValue: HranaValue { self?.hranaValue ?? .null }
}
