/// A position in a recipe file, 1-based, as libyaml reports it.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The recipe file as the user named it.
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}
