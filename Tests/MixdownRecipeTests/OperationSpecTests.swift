import Foundation
import MixdownRecipe
import Testing

/// The typed operations are built from the specification alone: every parameter reaches its typed field,
/// every default and range is the specification's, and the parser and schema enforce those ranges.
@Suite("Operation specifications")
struct OperationSpecTests {
    /// A valid value for the parameter that differs from its default.
    static func otherValue(for parameter: ParameterSpec) -> ArgumentValue? {
        func number(_ fallback: Double) -> ArgumentValue {
            let candidates = parameter.range.map { [$0.lowerBound, $0.upperBound, ($0.lowerBound + $0.upperBound) / 2] } ?? [fallback, fallback + 1]
            let value = candidates.first { .number($0) != parameter.defaultValue } ?? fallback
            return .number(parameter.type == .integer ? value.rounded() : value)
        }
        switch parameter.type {
        case .duration: return number(1.5)
        case .level: return number(-7)
        case .frequency: return number(440)
        case .number, .integer: return number(2)
        case .boolean: return .bool(parameter.defaultValue != .bool(true))
        case .choice(let options): return options.first { .string($0) != parameter.defaultValue }.map(ArgumentValue.string)
        case .string: return .string("hello")
        case .color: return .string(parameter.defaultValue == .string("red") ? "blue" : "red")
        case .size: return .size(width: 640, height: 360)
        case .reference: return .reference("other")
        case .references(let counts): return .references((0..<counts.lowerBound).map { "track\($0)" })
        case .numbers: return .numbers([0.5, 0.25])
        case .colorOrReference: return .reference("cover")
        case .records(let fields):
            var record: [String: ArgumentValue] = [:]
            for field in fields where field.isRequired { record[field.name] = otherValue(for: field) }
            return .records([record])
        }
    }

    static var parameters: [(kind: OperationKind, parameter: ParameterSpec)] {
        OperationKind.allCases.flatMap { kind in kind.spec.parameters.map { (kind, $0) } }
    }

    @Test("every parameter of every operation reaches its typed value", arguments: OperationKind.allCases)
    func everyParameterIsRead(kind: OperationKind) throws {
        let defaults = Operation.defaults(kind)
        #expect(defaults.kind == kind)
        for parameter in kind.spec.parameters {
            let value = try #require(Self.otherValue(for: parameter), "\(kind.name).\(parameter.name)")
            #expect(Operation(kind, [parameter.name: value]) != defaults, "\(kind.name).\(parameter.name) is not read by the typed operation")
            guard case .records(let fields) = parameter.type, case .records(let records) = value, let base = records.first else { continue }
            let withBase = Operation(kind, [parameter.name: value])
            for field in fields where !field.isRequired {
                var record = base
                record[field.name] = Self.otherValue(for: field)
                #expect(Operation(kind, [parameter.name: .records([record])]) != withBase, "\(kind.name).\(parameter.name).\(field.name) is not read")
            }
        }
    }

    @Test("defaults come from the specification: a parsed default equals a written default")
    func defaultsAreTheSpecifications() throws {
        for (kind, parameter) in Self.parameters {
            guard let value = parameter.defaultValue else { continue }
            #expect(Operation(kind, [parameter.name: value]) == Operation.defaults(kind), "\(kind.name).\(parameter.name)")
            if let range = parameter.range, let number = value.number {
                #expect(range.contains(number), "\(kind.name).\(parameter.name)'s default \(number) is outside its range")
            }
            if case .choice(let options) = parameter.type { #expect(options.contains(value.text)) }
        }
        let loudnorm = Operation.defaults(.loudnorm)
        #expect(loudnorm == .loudnorm(Loudnorm(target: -16, truePeak: -1.5, loudnessRange: 11, twoPass: true)))
    }

    @Test("a value from an operation built in code is held inside its specification's range")
    func bounded() {
        #expect(OperationKind.resample.bounded(1_000_000, "rate") == 192_000)
        #expect(OperationKind.resample.bounded(Int.max, "rate") == 192_000 && OperationKind.resample.bounded(Int.min, "channels") == 1)
        #expect(OperationKind.speed.bounded(0.01, "factor") == 0.25 && OperationKind.analyze.bounded(0.5, "curve") == 0.5)
        #expect(OperationKind.title.bounded(Int.max, "no-such-parameter") == Int.max)
    }

    @Test("the schema carries each parameter's range and default")
    func schemaCarriesRangesAndDefaults() throws {
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(RecipeSchema.json().utf8)) as? [String: Any])
        let definitions = try #require(schema["$defs"] as? [String: Any])
        for (kind, parameter) in Self.parameters {
            let definition = try #require(definitions["op_\(kind.name)"] as? [String: Any])
            let object = definition["properties"] != nil ? definition : (definition["anyOf"] as? [[String: Any]])?.first ?? definition
            let properties = try #require(object["properties"] as? [String: Any])
            let property = try #require(properties[parameter.name] as? [String: Any], "\(kind.name).\(parameter.name)")
            if let range = parameter.range {
                #expect(Self.values(of: "minimum", in: property).contains(range.lowerBound), "\(kind.name).\(parameter.name): \(property)")
                #expect(Self.values(of: "maximum", in: property).contains(range.upperBound), "\(kind.name).\(parameter.name): \(property)")
            }
            if parameter.defaultValue != nil { #expect(property["default"] != nil, "\(kind.name).\(parameter.name)") }
        }
    }

    /// Every number under `key` anywhere in a JSON object.
    static func values(of key: String, in object: Any) -> [Double] {
        if let dictionary = object as? [String: Any] {
            return (dictionary[key] as? NSNumber).map { [$0.doubleValue] } ?? [] + dictionary.values.flatMap { values(of: key, in: $0) }
        }
        if let array = object as? [Any] { return array.flatMap { values(of: key, in: $0) } }
        return []
    }

    /// A step using `parameter: value` with every other required parameter filled in, after a video step when it reads video.
    static func recipe(_ kind: OperationKind, _ parameter: ParameterSpec, _ value: String) -> String {
        let spec = kind.spec
        var fields: [String] = []
        for other in spec.parameters where other.isRequired && other.name != parameter.name {
            switch other.type {
            case .reference: fields.append("\(other.name): w")
            case .references: fields.append("\(other.name): [v, w]")
            case .records: fields.append("\(other.name): [{ freq: 100, gain: 1 }]")
            case .string: fields.append("\(other.name): hello")
            default: fields.append("\(other.name): \((other.range.map { ($0.lowerBound + $0.upperBound) / 2 }) ?? 1)")
            }
        }
        fields.append("\(parameter.name): \(value)")
        var steps = ""
        var from = spec.input == nil ? "" : "from: v, "
        if spec.input == .video {
            steps += "  - { id: picture, from: v, visualize: {} }\n"
            from = "from: picture, "
        }
        steps += "  - { id: s, \(from)\(kind.name): { \(fields.joined(separator: ", ")) } }\n"
        return "version: 1\nkind: render\ninputs: { v: { upload: true }, w: { upload: true } }\nsteps:\n\(steps)outputs: { o: { from: s } }\n"
    }

    static func diagnostics(_ text: String) -> [MixdownError] {
        do {
            _ = try RecipeParser().parse(text, file: "r.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test("the parser accepts each range's ends and refuses values past them, at the value")
    func rangesAreEnforced() throws {
        var checked = 0
        for (kind, parameter) in Self.parameters {
            guard let range = parameter.range else { continue }
            let step = parameter.type == .integer ? 1 : max((range.upperBound - range.lowerBound) / 100, 0.000001)
            for inside in [range.lowerBound, range.upperBound] {
                let text = Self.recipe(kind, parameter, FormatStyle.plain(inside))
                #expect(throws: Never.self, "\(kind.name).\(parameter.name) = \(inside)\n\(text)") { try RecipeParser().parse(text, file: "r.yaml") }
            }
            for outside in [range.lowerBound - step, range.upperBound + step] {
                let text = Self.recipe(kind, parameter, FormatStyle.plain(outside))
                let diagnostics = Self.diagnostics(text)
                let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("id: s,") }.map { $0 + 1 }
                #expect(!diagnostics.isEmpty, "\(kind.name).\(parameter.name) = \(outside) parsed")
                #expect(diagnostics.first?.location?.line == line, "\(kind.name).\(parameter.name) = \(outside): \(diagnostics)")
                if outside > range.upperBound { #expect(diagnostics.map(\.code) == [.outOfRange], "\(diagnostics)") }
            }
            checked += 1
        }
        #expect(checked > 25)
    }
}

enum FormatStyle {
    /// A number as YAML writes it plainly, never in exponent form.
    static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.6f", value)
    }
}
