import SQLKit

extension SQLQueryString {
    /// `value, value, …` with every value bound as a parameter: the inside of an `IN (…)`
    /// list. The caller makes sure `values` is not empty (`IN ()` is not valid SQL).
    static func bindList(_ values: [some Encodable & Sendable]) -> SQLQueryString {
        var list = SQLQueryString("")
        for (index, value) in values.enumerated() {
            if index > 0 { list.appendLiteral(", ") }
            list.appendInterpolation(bind: value)
        }
        return list
    }
}
