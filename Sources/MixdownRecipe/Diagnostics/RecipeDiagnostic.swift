/// One problem found in a recipe, pointing at the node that caused it.
public struct RecipeDiagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A stable machine-readable code, e.g. `unknown-operation`.
    public var code: String
    /// What is wrong, in words a recipe author can act on.
    public var message: String
    /// Where the offending node starts; nil only for problems that have no node (an empty file).
    public var location: SourceLocation?
    /// A likely fix, e.g. the operation name the author probably meant.
    public var suggestion: String?

    public init(code: String, message: String, location: SourceLocation?, suggestion: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.suggestion = suggestion
    }

    /// `FILE:LINE:COLUMN: error: message (did you mean 'x'?)`, the shape compilers use so editors can jump to it.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
        return "\(prefix)error: \(message)\(hint)"
    }
}
