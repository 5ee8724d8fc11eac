internal import Foundation

/// The recipe language as a JSON Schema (2020-12), generated from ``OperationCatalogue`` so editors and the
/// parser accept the same documents. Semantic rules (references, cycles, stream types) stay with the parser.
public enum RecipeSchema {
    /// The schema as pretty-printed JSON with sorted keys, as committed in `Schemas/recipe.schema.json`.
    public static func json() throws -> String {
        let data = try JSONSerialization.data(withJSONObject: document(), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static let identifier = "^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
    static let slug = "^[A-Za-z0-9_-]{1,64}$"
    static var substitution: [String: Any] { ["type": "string", "pattern": "\\$\\{[A-Za-z_][A-Za-z0-9_-]*\\}"] }

    static func document() -> [String: Any] {
        var definitions: [String: Any] = [
            "substitution": substitution,
            "input": input(),
            "output": output(),
            "step": step(),
            "duration": scalar(
                number: ["type": "number", "minimum": 0],
                pattern: "^\\s*\\+?(\\d+(\\.\\d+)?|((\\d+(\\.\\d+)?)(h|ms|m|s))+|\\d+(:\\d{1,2}(\\.\\d+)?){1,2})\\s*$"
            ),
            "signedDuration": scalar(
                number: ["type": "number"],
                pattern: "^\\s*[+-]?(\\d+(\\.\\d+)?|((\\d+(\\.\\d+)?)(h|ms|m|s))+|\\d+(:\\d{1,2}(\\.\\d+)?){1,2})\\s*$"
            ),
            "level": scalar(number: ["type": "number"], pattern: "^\\s*[+-]?\\d+(\\.\\d+)?\\s*([dD][bB])?\\s*$"),
            "frequency": scalar(number: ["type": "number", "exclusiveMinimum": 0], pattern: "^\\s*\\d+(\\.\\d+)?\\s*([kK]|[kK]?[hH][zZ])?\\s*$"),
            "color": scalar(number: nil, pattern: "^(#|0x|0X)([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$|^[A-Za-z]+$"),
            "size": scalar(number: nil, pattern: "^\\d{1,4}[xX]\\d{1,4}$"),
            "reference": ["type": "string", "minLength": 1],
        ]
        for operation in OperationCatalogue.all {
            definitions["op_\(operation.name)"] = arguments(of: operation)
        }
        return [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://mixdown.dev/schemas/recipe.schema.json",
            "title": "Mixdown recipe, version 1",
            "description": "A YAML recipe for mixdown: inputs, a graph of steps and outputs. Any scalar may use ${param}.",
            "type": "object",
            "required": ["version", "kind", "inputs", "outputs"],
            "additionalProperties": false,
            "properties": [
                "version": ["const": 1],
                "kind": ["enum": JobKind.allCases.map(\.rawValue)],
                "name": ["type": "string", "pattern": slug],
                "description": ["type": "string"],
                "params": [
                    "type": "object",
                    "propertyNames": ["pattern": identifier],
                    "additionalProperties": ["type": ["number", "string", "boolean"]],
                ],
                "render": [
                    "type": "object",
                    "description": "Where a render recipe's video is encoded (kind render only); unset, the server's default.",
                    "additionalProperties": false,
                    "properties": ["device": ["enum": RenderDevice.allCases.map(\.rawValue), "default": RenderDevice.auto.rawValue]],
                ],
                "inputs": [
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": ["pattern": identifier],
                    "additionalProperties": ["$ref": "#/$defs/input"],
                ],
                "steps": ["type": "array", "items": ["$ref": "#/$defs/step"]],
                "outputs": [
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": ["pattern": slug],
                    "additionalProperties": ["anyOf": [["$ref": "#/$defs/output"], ["type": "null"]]],
                ],
            ] as [String: Any],
            "$defs": definitions,
        ]
    }

    static func scalar(number: [String: Any]?, pattern: String) -> [String: Any] {
        var options: [[String: Any]] = [["type": "string", "pattern": pattern], ["$ref": "#/$defs/substitution"]]
        if let number { options.insert(number, at: 0) }
        return ["anyOf": options]
    }

    static func input() -> [String: Any] {
        let url: [String: Any] = ["anyOf": [["type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$"], ["$ref": "#/$defs/substitution"]]]
        return [
            "type": "object",
            "additionalProperties": false,
            "properties": [
                "upload": ["const": true],
                "file": ["type": "string", "minLength": 1],
                "url": url,
                "youtube": url,
                "asset": ["anyOf": [["type": "string", "pattern": "^ast_[A-Za-z0-9_-]{1,60}$"], ["$ref": "#/$defs/substitution"]]],
                "type": ["enum": ["audio", "image"]],
            ] as [String: Any],
            "oneOf": InputSourceKeys.all.map { ["required": [$0]] },
        ]
    }

    static func output() -> [String: Any] {
        let level: [String: Any] = ["$ref": "#/$defs/level"]
        return [
            "type": "object",
            "additionalProperties": false,
            "properties": [
                "from": ["$ref": "#/$defs/reference"],
                "format": ["enum": OutputFormat.allCases.map(\.rawValue)],
                "bitrate": ["anyOf": [["type": "integer", "minimum": 8000], ["type": "string", "pattern": "^\\d+(\\.\\d+)?[kKmM]?$"]]],
                "sample_rate": ["type": "integer", "minimum": 8000, "maximum": 192_000],
                "channels": ["type": "integer", "minimum": 1, "maximum": 8],
                "expect": [
                    "type": "object",
                    "additionalProperties": false,
                    "properties": [
                        "lufs": ["type": "array", "items": level, "minItems": 2, "maxItems": 2],
                        "true_peak_max": level,
                        "peak_max": level,
                        "duration": ["type": "array", "items": ["$ref": "#/$defs/duration"], "minItems": 2, "maxItems": 2],
                        "sample_rate": ["type": "integer"],
                        "channels": ["type": "integer"],
                    ] as [String: Any],
                ] as [String: Any],
            ] as [String: Any],
        ]
    }

    static func step() -> [String: Any] {
        var properties: [String: Any] = [
            "id": ["type": "string", "pattern": identifier],
            "from": ["$ref": "#/$defs/reference"],
        ]
        for operation in OperationCatalogue.all { properties[operation.name] = ["$ref": "#/$defs/op_\(operation.name)"] }
        return [
            "type": "object",
            "additionalProperties": false,
            "properties": properties,
            "oneOf": OperationCatalogue.names.map { ["required": [$0]] },
        ]
    }

    static func arguments(of operation: OperationSpec) -> [String: Any] {
        var properties: [String: Any] = [:]
        for parameter in operation.parameters { properties[parameter.name] = schema(for: parameter) }
        var object: [String: Any] = [
            "type": "object",
            "additionalProperties": false,
            "properties": properties,
            "description": operation.summary,
        ]
        let required = operation.parameters.filter(\.isRequired).map(\.name)
        if !required.isEmpty { object["required"] = required }
        if !operation.requiresOneOf.isEmpty { object["anyOf"] = operation.requiresOneOf.map { ["required": [$0]] } }
        if operation.parameters.isEmpty { return ["anyOf": [object, ["type": "null"]]] }
        var options: [[String: Any]] = [object]
        if let shorthand = operation.shorthand, let parameter = operation.parameter(named: shorthand) {
            options.append(schema(for: parameter))
        } else if required.isEmpty && operation.requiresOneOf.isEmpty {
            options.append(["type": "null"])
        }
        return options.count == 1 ? object : ["anyOf": options]
    }

    /// The parameter's type with its range, default and meaning. `minimum`/`maximum` beside a `$ref` bound the
    /// plain-number form; a value written with its unit (`-3dB`) is checked by the parser alone.
    static func schema(for parameter: ParameterSpec) -> [String: Any] {
        var schema = schema(for: parameter.type, range: parameter.range)
        if let range = parameter.range, schema["$ref"] != nil {
            schema["minimum"] = range.lowerBound
            schema["maximum"] = range.upperBound
        }
        if let value = parameter.defaultValue { schema["default"] = json(value) }
        schema["description"] = parameter.summary + (parameter.rangeText.map { " Range \($0)." } ?? "")
        return schema
    }

    static func json(_ value: ArgumentValue) -> Any {
        switch value {
        case .number(let number): number
        case .bool(let flag): flag
        case .numbers(let numbers): numbers
        case .references(let names): names
        default: value.text
        }
    }

    static func schema(for type: ParameterType, range: ClosedRange<Double>?) -> [String: Any] {
        switch type {
        case .duration(let negative): return ["$ref": negative ? "#/$defs/signedDuration" : "#/$defs/duration"]
        case .level: return ["$ref": "#/$defs/level"]
        case .frequency: return ["$ref": "#/$defs/frequency"]
        case .number, .integer:
            var number: [String: Any] = ["type": type == .integer ? "integer" : "number"]
            if let range {
                number["minimum"] = range.lowerBound
                number["maximum"] = range.upperBound
            }
            return scalar(number: number, pattern: "^$.")
        case .string(let maxLength): return ["type": "string", "minLength": 1, "maxLength": maxLength]
        case .boolean: return ["anyOf": [["type": "boolean"], ["$ref": "#/$defs/substitution"]]]
        case .color: return ["$ref": "#/$defs/color"]
        case .size: return ["$ref": "#/$defs/size"]
        case .choice(let options): return ["anyOf": [["enum": options], ["$ref": "#/$defs/substitution"]]]
        case .reference: return ["$ref": "#/$defs/reference"]
        case .references(let counts):
            return ["type": "array", "items": ["$ref": "#/$defs/reference"], "minItems": counts.lowerBound, "maxItems": counts.upperBound]
        case .numbers(let range):
            return ["type": "array", "items": ["type": "number", "minimum": range.lowerBound, "maximum": range.upperBound]]
        case .colorOrReference: return ["type": "string", "minLength": 1]
        case .records(let fields):
            var properties: [String: Any] = [:]
            for field in fields { properties[field.name] = schema(for: field) }
            return [
                "type": "array",
                "minItems": 1,
                "items": [
                    "type": "object",
                    "additionalProperties": false,
                    "properties": properties,
                    "required": fields.filter(\.isRequired).map(\.name),
                ] as [String: Any],
            ]
        }
    }
}

/// The input source keywords, shared by the parser and the schema.
enum InputSourceKeys {
    static let all = ["upload", "file", "url", "youtube", "asset"]
}
