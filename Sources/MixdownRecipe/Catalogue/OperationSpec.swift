/// Describes one recipe operation: its parameters, the stream types it takes and makes, and an example.
public struct OperationSpec: Sendable, Hashable {
    public var kind: OperationKind
    public var summary: String
    public var parameters: [ParameterSpec]
    /// The parameter a bare scalar or list sets, so `highpass: 80` means `highpass: { freq: 80 }`.
    public var shorthand: String?
    /// The type of the stream named by `from` (or the previous step); nil when the operation takes its inputs only from its parameters.
    public var input: StreamType?
    /// The types the operation's reference parameters must carry, by parameter name.
    public var referenceTypes: [String: Set<StreamType>]
    public var output: StreamType
    /// A step using the operation, as YAML, for the docs.
    public var example: String
    /// At least one of these parameters must be present.
    public var requiresOneOf: [String]

    public init(
        _ kind: OperationKind,
        summary: String,
        parameters: [ParameterSpec],
        shorthand: String? = nil,
        input: StreamType? = .audio,
        referenceTypes: [String: Set<StreamType>] = [:],
        output: StreamType = .audio,
        requiresOneOf: [String] = [],
        example: String
    ) {
        self.kind = kind
        self.summary = summary
        self.parameters = parameters
        self.shorthand = shorthand
        self.input = input
        self.referenceTypes = referenceTypes
        self.output = output
        self.requiresOneOf = requiresOneOf
        self.example = example
    }

    /// The name a recipe writes.
    public var name: String { kind.rawValue }

    public func parameter(named name: String) -> ParameterSpec? {
        parameters.first { $0.name == name }
    }
}
