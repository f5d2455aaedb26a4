/// What a password must be: 8 to 128 characters of any kind (counted as the user sees them, never
/// truncated), and not one of the bundled common passwords.
public enum PasswordPolicy {
    /// Fewest characters.
    public static let minimumLength = 8
    /// Most characters.
    public static let maximumLength = 128

    private static let common: Set<Substring> = Set(CommonPasswordList.text.split(separator: "\n"))

    /// Validates a new password; throws `validation_failed` naming `field`.
    public static func validate(_ password: String, field: String = "password") throws(TenantryError) {
        let length = password.count
        guard length >= minimumLength else {
            throw Validator.fail(field, "too_short", "A password has at least \(minimumLength) characters.")
        }
        guard length <= maximumLength else {
            throw Validator.fail(field, "too_long", "A password has at most \(maximumLength) characters.")
        }
        guard !common.contains(Substring(password.lowercased())) else {
            throw Validator.fail(field, "too_common", "This password is too common; choose another.")
        }
    }
}
