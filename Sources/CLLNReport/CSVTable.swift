import Foundation

/// A CSV table with RFC 4180 quoting: a field containing a comma, a double quote, CR or LF is
/// enclosed in double quotes, with inner quotes doubled. Lines end with LF.
public struct CSVTable: Sendable {
    /// Column names, written as the first line.
    public let header: [String]
    /// Data rows, each with exactly `header.count` fields.
    public private(set) var rows: [[String]] = []

    public init(header: [String]) {
        self.header = header
    }

    /// Appends a row of text fields. Precondition: as many fields as the header has columns.
    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count, "CSV row has \(row.count) fields, header has \(header.count)")
        rows.append(row)
    }

    /// Appends a row of numbers, printed with full round-trip precision (`"\(x)"`, so `nan`, `inf`
    /// appear literally).
    public mutating func append(_ row: [Double]) {
        append(row.map { "\($0)" })
    }

    /// The whole table as CSV text, header first, one line per row, ending with a newline.
    public var text: String {
        ([header] + rows).map { $0.map(Self.quoted).joined(separator: ",") + "\n" }.joined()
    }

    private static func quoted(_ field: String) -> String {
        let needsQuotes = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
