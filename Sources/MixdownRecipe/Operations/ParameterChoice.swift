/// The options of a `choice` parameter as a Swift enum; its raw values are the words a recipe writes, and
/// the specification lists `allCases`, so the two cannot differ.
public protocol ParameterChoice: RawRepresentable, CaseIterable, Sendable, Hashable, Codable where RawValue == String {
    /// Only for an argument set made by hand that has neither the parameter nor its default.
    static var fallback: Self { get }
}
