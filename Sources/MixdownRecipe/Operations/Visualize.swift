/// `visualize`: a video drawn from audio over a colour or an image.
public struct Visualize: Sendable, Hashable, Codable {
    /// The audio shown, when it is not the step's `from`.
    public var audio: String?
    public var style: Style
    public var width: Int
    public var height: Int
    public var fps: Int
    /// Colour of the waveform.
    public var color: String
    public var background: Background

    /// What is drawn.
    public enum Style: String, ParameterChoice {
        /// `cover` draws nothing: the background alone, as long as the audio.
        case waveform, spectrum, cqt, cover
        public static let fallback = Style.waveform
    }

    /// What is drawn over.
    public enum Background: Sendable, Hashable, Codable {
        case color(String)
        /// The name of an image input.
        case image(String)
    }

    public init(audio: String?, style: Style, width: Int, height: Int, fps: Int, color: String, background: Background) {
        (self.audio, self.style, self.width, self.height, self.fps, self.color, self.background) = (
            audio, style, width, height, fps, color, background
        )
    }

    public init(_ arguments: OperationArguments) {
        let size = arguments.size("size")
        let background: Background =
            if case .reference(let name)? = arguments.value("background") { .image(name) } else { .color(arguments.string("background")) }
        self.init(
            audio: arguments.optionalString("audio"),
            style: arguments.choice("style"),
            width: size.width,
            height: size.height,
            fps: arguments.integer("fps"),
            color: arguments.string("color"),
            background: background
        )
    }
}
