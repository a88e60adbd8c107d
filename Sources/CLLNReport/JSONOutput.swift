import Foundation

/// The one JSON style of every results file: pretty-printed, keys sorted (stable diffs),
/// slashes unescaped, and non-finite doubles written as the strings `"nan"`, `"inf"`, `"-inf"`
/// instead of failing (a diverged run must still be reported).
public enum JSONOutput {
    /// Encodes `value` in the house style; ends with a newline.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Decodes what ``encode(_:)`` wrote (including "nan"/"inf" doubles).
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: data)
    }
}
