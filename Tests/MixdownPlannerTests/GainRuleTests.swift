import Foundation
import MixdownPlanner
import MixdownTestSupport
import Testing

@Suite("Gain rule")
struct GainRuleTests {
    static let cases: [(GainMeasurement.Goal, GainRule.Measured)] = [
        (.loudness(target: -16, truePeak: -1.5), .init(integratedLufs: -23.4, truePeakDbtp: -9.2, samplePeakDbfs: -9.5)),
        (.loudness(target: -16, truePeak: -1.5), .init(integratedLufs: -20, truePeakDbtp: -1, samplePeakDbfs: -1.2)),
        (.loudness(target: -14, truePeak: -30), .init(integratedLufs: -60, truePeakDbtp: -40, samplePeakDbfs: -41)),
        (.loudness(target: -16, truePeak: -1), .init(integratedLufs: -70, truePeakDbtp: -50, samplePeakDbfs: -50)),
        (.loudness(target: 0, truePeak: 0), .init(integratedLufs: -68.9, truePeakDbtp: -60, samplePeakDbfs: -60)),
        (.peak(-1), .init(integratedLufs: -30, truePeakDbtp: -6, samplePeakDbfs: -6.25)),
        (.peak(0), .init(integratedLufs: -90, truePeakDbtp: -100, samplePeakDbfs: -100)),
        (.peak(-1), .init(integratedLufs: -120, truePeakDbtp: -120, samplePeakDbfs: -120)),
    ]

    @Test("the shell script's awk computes the same filters as the executor, limiter and caps included", arguments: cases.indices)
    func awkAgrees(index: Int) throws {
        let (goal, measured) = Self.cases[index]
        let swift = GainRule.gain(for: goal, measured: measured).filters
        func text(_ value: Double) -> String { value <= -120 ? "-inf" : String(value) }
        let awk = try Shell.run(
            "/usr/bin/awk",
            [
                "-v", "i=\(text(measured.integratedLufs))", "-v", "tp=\(text(measured.truePeakDbtp))", "-v", "sp=\(text(measured.samplePeakDbfs))",
                GainRule.awkProgram(for: goal),
            ]
        )
        #expect(awk.exitCode == 0, "\(awk.standardError)")
        #expect(awk.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == swift)
    }

    @Test("a loudness gain is target minus measured, capped at +40 dB, limited only when the true peak would pass the ceiling")
    func loudness() {
        let quiet = GainRule.gain(
            for: .loudness(target: -16, truePeak: -1.5),
            measured: .init(integratedLufs: -23, truePeakDbtp: -9, samplePeakDbfs: -9)
        )
        #expect(quiet.decibels == 7 && quiet.filters == "volume=7.0000dB")
        let hot = GainRule.gain(
            for: .loudness(target: -16, truePeak: -1.5),
            measured: .init(integratedLufs: -20, truePeakDbtp: -1, samplePeakDbfs: -1)
        )
        #expect(hot.filters.hasPrefix("volume=4.0000dB,alimiter=limit=0.7499:"))
        #expect(
            GainRule.gain(for: .loudness(target: 0, truePeak: 0), measured: .init(integratedLufs: -60, truePeakDbtp: -80, samplePeakDbfs: -80))
                .decibels == 40
        )
        #expect(
            GainRule.gain(for: .loudness(target: -16, truePeak: -1), measured: .init(integratedLufs: -69, truePeakDbtp: -60, samplePeakDbfs: -60))
                .filters == "anull"
        )
    }
}
