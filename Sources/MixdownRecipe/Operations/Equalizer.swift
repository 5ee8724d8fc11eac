/// `eq`: peaking equaliser bands, applied in order.
public struct Equalizer: Sendable, Hashable, Codable {
    public var bands: [Band]

    /// One peaking band.
    public struct Band: Sendable, Hashable, Codable {
        /// Hertz (recipe `freq`).
        public var frequency: Double
        /// Decibels of boost or cut.
        public var gain: Double
        /// Bandwidth as Q.
        public var width: Double

        public init(frequency: Double, gain: Double, width: Double) {
            (self.frequency, self.gain, self.width) = (frequency, gain, width)
        }
    }

    public init(bands: [Band]) { self.bands = bands }

    public init(_ arguments: OperationArguments) {
        self.init(
            bands: arguments.records("bands").map { band in
                Band(frequency: band.number("freq"), gain: band.number("gain"), width: band.number("width"))
            }
        )
    }
}
