import TenantryCore

/// Charts drawn on the server as SVG: no script, readable by a screen reader (a `<title>` and a
/// `<desc>` that states every figure), with the same figures in a table beside each chart.
enum ConsoleChart {
    /// A horizontal bar chart, one bar per `(label, value, tone)`; `tone` is a CSS class
    /// (`ok`, `wait`, `bad`, or empty).
    static func bars(id: String = "chart", title: String, bars: [(label: String, value: Int, tone: String)], language: Language)
        -> String
    {
        let width = 480
        let barHeight = 22
        let gap = 10
        let labelWidth = 150
        let height = max(1, bars.count) * (barHeight + gap)
        let largest = max(1, bars.map(\.value).max() ?? 1)
        let description = bars.map { "\($0.label): \(ConsoleFormat.integer($0.value, language))" }.joined(separator: "; ")
        var svg =
            "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\" aria-labelledby=\"\(id)-title \(id)-desc\">"
        svg += "<title id=\"\(id)-title\">\(escape(title))</title><desc id=\"\(id)-desc\">\(escape(description))</desc>"
        for (index, bar) in bars.enumerated() {
            let y = index * (barHeight + gap)
            let length = bar.value == 0 ? 0 : max(2, (width - labelWidth - 70) * bar.value / largest)
            svg += "<text x=\"0\" y=\"\(y + 16)\" class=\"label\">\(escape(bar.label))</text>"
            svg +=
                "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(length)\" height=\"\(barHeight)\" class=\"bar \(escape(bar.tone))\"/>"
            svg +=
                "<text x=\"\(labelWidth + length + 6)\" y=\"\(y + 16)\" class=\"value\">\(ConsoleFormat.integer(bar.value, language))</text>"
        }
        return svg + "</svg>"
    }

    /// A column chart of a series (one column per day, oldest first), its axis labelled by the
    /// first and last day.
    static func columns(
        id: String = "series", title: String, points: [(label: String, value: Int)], language: Language
    ) -> String {
        let width = 600
        let height = 160
        let axis = 20
        let count = max(1, points.count)
        let step = Double(width) / Double(count)
        let largest = max(1, points.map(\.value).max() ?? 1)
        let total = points.reduce(0) { $0 + $1.value }
        var description = "\(ConsoleFormat.integer(total, language))"
        if let first = points.first, let last = points.last {
            description += " (\(first.label) – \(last.label)); max \(ConsoleFormat.integer(largest, language))"
        }
        var svg =
            "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 \(width) \(height + axis)\" width=\"100%\" aria-labelledby=\"\(id)-title \(id)-desc\">"
        svg += "<title id=\"\(id)-title\">\(escape(title))</title><desc id=\"\(id)-desc\">\(escape(description))</desc>"
        for (index, point) in points.enumerated() {
            let columnHeight = point.value == 0 ? 0 : max(2, height * point.value / largest)
            let x = Double(index) * step + step * 0.1
            svg +=
                "<rect x=\"\(format(x))\" y=\"\(height - columnHeight)\" width=\"\(format(step * 0.8))\" height=\"\(columnHeight)\" class=\"bar ok\"/>"
        }
        if let first = points.first, let last = points.last {
            svg += "<text x=\"0\" y=\"\(height + axis - 4)\" class=\"label\">\(escape(first.label))</text>"
            svg +=
                "<text x=\"\(width)\" y=\"\(height + axis - 4)\" class=\"label\" text-anchor=\"end\">\(escape(last.label))</text>"
        }
        return svg + "</svg>"
    }

    private static func format(_ value: Double) -> String {
        FastFormatting.decimal(value, fractionDigits: 1)
    }

    private static func escape(_ text: String) -> String { ConsoleView.escapeHTML(text) }
}
