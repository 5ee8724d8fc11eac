/// `title`: text drawn over the video.
public struct Title: Sendable, Hashable, Codable {
    public var text: String
    public var position: Position
    /// Font size in pixels.
    public var size: Int
    public var color: String

    /// Where the text sits.
    public enum Position: String, ParameterChoice {
        case top, center, bottom
        public static let fallback = Position.bottom
    }

    public init(text: String, position: Position, size: Int, color: String) {
        (self.text, self.position, self.size, self.color) = (text, position, size, color)
    }

    public init(_ arguments: OperationArguments) {
        self.init(
            text: arguments.string("text"),
            position: arguments.choice("position"),
            size: arguments.integer("size"),
            color: arguments.string("color")
        )
    }
}
