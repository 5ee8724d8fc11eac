/// Short, quoted excerpts of user text for diagnostic messages.
///
/// A message quotes what the author wrote so they can find it, but never all of it: values can be
/// as large as the document (or, through `${param}`, larger), and an error message must stay small
/// enough to print, log and return in an HTTP problem document.
public enum Excerpt {
    /// The most characters of one user value a message quotes.
    public static let maximumCharacters = 80

    /// `'text'`, cut to ``maximumCharacters`` with an ellipsis when longer.
    public static func quoted(_ text: some StringProtocol) -> String {
        "'\(excerpt(text))'"
    }

    /// The text cut to ``maximumCharacters`` characters, with `…` when it was longer.
    public static func excerpt(_ text: some StringProtocol) -> String {
        var result = ""
        var count = 0
        for character in text {
            guard count < maximumCharacters else { return result + "…" }
            result.append(character)
            count += 1
        }
        return result
    }
}
