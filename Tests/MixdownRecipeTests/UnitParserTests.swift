import MixdownRecipe
import Testing

@Suite("Units")
struct UnitParserTests {
    @Test(
        "durations",
        arguments: [
            ("90", 90.0), ("1.5", 1.5), ("250ms", 0.25), ("5s", 5), ("2m", 120), ("1m30s", 90), ("1h2m3s", 3723),
            ("01:02:03.5", 3723.5), ("02:03", 123), ("-3s", -3), ("-2", -2), (" 4s ", 4),
        ]
    )
    func durations(text: String, seconds: Double) {
        #expect(UnitParser.duration(text) == seconds)
    }

    @Test("bad durations", arguments: ["", "s", "5x", "1s2m", "1:75", "abc", "--3", "1e400", "inf", "nan", "5 s s", "0x10"])
    func badDurations(text: String) {
        #expect(UnitParser.duration(text) == nil)
    }

    @Test("levels, frequencies, sizes, bitrates")
    func others() {
        #expect(UnitParser.level("-6dB") == -6)
        #expect(UnitParser.level("-6 db") == -6)
        #expect(UnitParser.level("+3") == 3)
        #expect(UnitParser.level("loud") == nil)
        #expect(UnitParser.frequency("80") == 80)
        #expect(UnitParser.frequency("80Hz") == 80)
        #expect(UnitParser.frequency("2.5kHz") == 2500)
        #expect(UnitParser.frequency("-80") == nil)
        #expect(UnitParser.size("1280x720")! == (1280, 720))
        #expect(UnitParser.size("1280*720") == nil)
        #expect(UnitParser.bitrate("192k") == 192_000)
        #expect(UnitParser.bitrate("1.5M") == 1_500_000)
        #expect(UnitParser.bitrate("12") == nil)
    }
}
