/// `peaks`: min/max pairs for drawing a waveform.
public struct Peaks: Sendable, Hashable, Codable {
    public var points: Int

    public init(points: Int) { self.points = points }

    public init(_ arguments: OperationArguments) { self.init(points: arguments.integer("points")) }
}
