/// Where a render's video is encoded: `render: { device: ... }` in a recipe, else the server's default.
public enum RenderDevice: String, Sendable, Hashable, Codable, CaseIterable {
    /// The GPU's encoder when the machine has a working one, else the CPU.
    case auto
    /// Always the CPU (libx264): the same bytes on every machine.
    case cpu
    /// The GPU's encoder (h264_nvenc); the CPU when no NVIDIA encoder works here, which the plan states.
    case gpu
}
