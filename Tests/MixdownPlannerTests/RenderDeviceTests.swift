import Foundation
import MixdownPlanner
import MixdownRecipe
import Testing

@Suite("Render device")
struct RenderDeviceTests {
    static func render(device: String?, format: String = "mp4") -> String {
        """
        version: 1
        kind: render
        \(device.map { "render: { device: \($0) }" } ?? "")
        inputs: { voice: { file: v.wav } }
        steps:
          - visualize: { style: waveform, size: 640x360, fps: 25 }
        outputs: { video: { format: \(format) } }
        """
    }

    static func videoCodec(_ plan: Plan) -> String? {
        let arguments = plan.stages.last?.arguments ?? []
        return arguments.firstIndex(of: "-c:v").map { arguments[$0 + 1] }
    }

    @Test(
        "the recipe's device, else the server's, picks h264_nvenc only where it works; the plan says which and why",
        arguments: [
            // (recipe device, server default, nvenc works here, encoder, reason mentions)
            (String?.none, RenderDevice.auto, false, VideoEncoder.libx264, "no NVIDIA encoder"),
            (nil, .auto, true, .h264NVENC, "NVIDIA encoder works"),
            ("gpu", .cpu, false, .libx264, "GPU was asked for"),
            ("gpu", .cpu, true, .h264NVENC, "NVIDIA encoder works"),
            ("cpu", .gpu, true, .libx264, "CPU was asked for"),
            (nil, .cpu, true, .libx264, "CPU was asked for"),
        ]
    )
    func choice(recipeDevice: String?, serverDefault: RenderDevice, nvenc: Bool, encoder: VideoEncoder, reason: String) throws {
        let planner = Planner(options: Planner.Options(renderDevice: serverDefault, nvencWorks: nvenc))
        let plan = try planner.plan(try recipe(Self.render(device: recipeDevice)), inputs: [audio("voice", seconds: 4)])
        let video = try #require(plan.video)
        #expect(video.encoder == encoder && video.reason.contains(reason))
        #expect(video.requested == recipeDevice.flatMap(RenderDevice.init(rawValue:)) ?? serverDefault)
        #expect(Self.videoCodec(plan) == encoder.rawValue)
        let arguments = plan.stages.last?.arguments ?? []
        // Whichever encoder: yuv420p and faststart, which web players need.
        #expect(arguments.contains("yuv420p") && arguments.contains("+faststart"))
        #expect(ShellScript.render(plan).contains("# video: \(encoder.rawValue) (render device \(video.requested.rawValue): \(video.reason))"))
    }

    @Test("a frame past 4096 pixels a side is libx264 even where NVENC works (its H.264 limit)")
    func tooLargeForNVENC() throws {
        let planner = Planner(options: Planner.Options(renderDevice: .gpu, nvencWorks: true))
        let text = Self.render(device: "gpu").replacingOccurrences(of: "640x360", with: "7680x4320")
        let plan = try planner.plan(try recipe(text), inputs: [audio("voice", seconds: 4)])
        #expect(plan.video?.encoder == .libx264 && plan.video?.reason.contains("4096") == true)
        #expect(Self.videoCodec(plan) == "libx264")
    }

    @Test("webm stays vp9 and opus on any device, and a plan without mp4 states no H.264 choice")
    func webm() throws {
        let planner = Planner(options: Planner.Options(renderDevice: .gpu, nvencWorks: true))
        let plan = try planner.plan(try recipe(Self.render(device: "gpu", format: "webm")), inputs: [audio("voice", seconds: 4)])
        #expect(plan.video == nil)
        #expect(Self.videoCodec(plan) == "libvpx-vp9")
        #expect(plan.stages.last?.arguments.contains("libopus") == true)
    }

    @Test("render: takes only device: auto, cpu or gpu, and only in a render recipe, each error at its place")
    func parsing() throws {
        #expect(try recipe(Self.render(device: "GPU")).renderDevice == .gpu)
        #expect(try recipe(Self.render(device: nil)).renderDevice == nil)
        func problem(_ text: String) -> MixdownError? {
            do {
                _ = try recipe(text)
                return nil
            } catch {
                return (error as? RecipeError)?.diagnostics.first
            }
        }
        let misspelt = try #require(problem(Self.render(device: "gpo")))
        #expect(misspelt.code == .badValue && misspelt.location?.line == 3 && misspelt.suggestion == "gpu")
        let unknown = try #require(problem(Self.render(device: "gpu, codec: hevc")))
        #expect(unknown.code == .unknownKey && unknown.message.contains("codec"))
        let edit = Self.render(device: "gpu").replacingOccurrences(of: "kind: render", with: "kind: edit")
        let wrongKind = try #require(problem(edit))
        #expect(wrongKind.code == .badKey && wrongKind.location?.line == 3)
        #expect(problem("version: 1\nkind: render\nrender: gpu\ninputs: { a: { file: a.wav } }\noutputs: { o: { from: a } }\n")?.code == .badValue)
        let oddKey = try #require(
            problem(Self.render(device: nil).replacingOccurrences(of: "kind: render\n", with: "kind: render\nrender: { ? [x] : gpu }\n"))
        )
        #expect(oddKey.code == .badKey && oddKey.location?.line == 3)
    }
}
