import Foundation

/// A small gzip (RFC 1952) / DEFLATE (RFC 1951) decoder, so that data files can ship compressed:
/// Foundation on Linux has no decompressor. Decodes stored, fixed-Huffman and dynamic-Huffman
/// blocks and checks the gzip trailer (CRC-32 and length).
public enum Inflate {
    /// Why a stream could not be decoded.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case notGzip
        case truncated
        case invalidBlockType
        case invalidCode(String)
        case storedLengthMismatch
        case checksumMismatch(expected: UInt32, actual: UInt32)
        case lengthMismatch(expected: UInt32, actual: UInt32)

        public var description: String {
            switch self {
            case .notGzip: "not a gzip stream (bad magic bytes or compression method)"
            case .truncated: "the compressed stream ends early"
            case .invalidBlockType: "a DEFLATE block has the reserved type 3"
            case let .invalidCode(what): "invalid DEFLATE data: \(what)"
            case .storedLengthMismatch: "a stored block's length and its complement disagree"
            case let .checksumMismatch(e, a): "CRC-32 mismatch: the trailer says \(e), the data give \(a)"
            case let .lengthMismatch(e, a): "length mismatch: the trailer says \(e) bytes, decoded \(a)"
            }
        }
    }

    /// Decompresses a gzip file's bytes (one member) and verifies its CRC-32 and length.
    public static func gunzip(_ data: [UInt8]) throws -> [UInt8] {
        guard data.count >= 18, data[0] == 0x1f, data[1] == 0x8b, data[2] == 8 else { throw Failure.notGzip }
        let flags = data[3]
        var position = 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard position + 2 <= data.count else { throw Failure.truncated }
            position += 2 + Int(data[position]) + Int(data[position + 1]) << 8
        }
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while position < data.count, data[position] != 0 { position += 1 }
            position += 1
        }
        if flags & 0x02 != 0 { position += 2 }  // FHCRC
        guard position < data.count else { throw Failure.truncated }
        var reader = BitReader(bytes: data, position: position)
        let output = try inflate(&reader)
        let trailer = reader.alignedPosition
        guard trailer + 8 <= data.count else { throw Failure.truncated }
        func word(_ at: Int) -> UInt32 {
            UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24
        }
        let crc = crc32(output)
        guard word(trailer) == crc else { throw Failure.checksumMismatch(expected: word(trailer), actual: crc) }
        guard word(trailer + 4) == UInt32(truncatingIfNeeded: output.count) else {
            throw Failure.lengthMismatch(expected: word(trailer + 4), actual: UInt32(truncatingIfNeeded: output.count))
        }
        return output
    }

    /// Decompresses a raw DEFLATE stream.
    public static func inflate(_ data: [UInt8]) throws -> [UInt8] {
        var reader = BitReader(bytes: data, position: 0)
        return try inflate(&reader)
    }

    /// The CRC-32 (IEEE 802.3, as in gzip and zip) of `bytes`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        return crc ^ 0xffff_ffff
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    // MARK: - DEFLATE

    struct BitReader {
        let bytes: [UInt8]
        var position: Int
        var bitBuffer: UInt64 = 0
        var bitCount = 0

        init(bytes: [UInt8], position: Int) {
            self.bytes = bytes
            self.position = position
        }

        mutating func bits(_ n: Int) throws -> Int {
            while bitCount < n {
                guard position < bytes.count else { throw Failure.truncated }
                bitBuffer |= UInt64(bytes[position]) << UInt64(bitCount)
                position += 1
                bitCount += 8
            }
            let value = Int(bitBuffer & ((1 << UInt64(n)) - 1))
            bitBuffer >>= UInt64(n)
            bitCount -= n
            return value
        }

        /// Drops the bits left in the current byte.
        mutating func alignToByte() {
            let drop = bitCount % 8
            bitBuffer >>= UInt64(drop)
            bitCount -= drop
        }

        /// The byte position after the last consumed bit (whole bytes still buffered are returned).
        var alignedPosition: Int { position - bitCount / 8 }
    }

    /// A canonical Huffman code: symbols by code length, decoded bit by bit (fine for small data).
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        init(lengths: [Int]) throws {
            for length in lengths { counts[length] += 1 }
            counts[0] = 0
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<16 { offsets[length] = offsets[length - 1] + counts[length - 1] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length > 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
            var left = 1
            for length in 1..<16 {
                left = left * 2 - counts[length]
                guard left >= 0 else { throw Failure.invalidCode("over-subscribed Huffman code") }
            }
        }

        func decode(_ reader: inout BitReader) throws -> Int {
            var code = 0, first = 0, index = 0
            for length in 1..<16 {
                code |= try reader.bits(1)
                let count = counts[length]
                if code - first < count { return symbols[index + code - first] }
                index += count
                first = (first + count) << 1
                code <<= 1
            }
            throw Failure.invalidCode("no Huffman code matches")
        }
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private static func inflate(_ reader: inout BitReader) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(reader.bytes.count * 4)
        var last = false
        while !last {
            last = try reader.bits(1) == 1
            switch try reader.bits(2) {
            case 0:
                reader.alignToByte()
                let length = try reader.bits(16), complement = try reader.bits(16)
                guard length == ~complement & 0xffff else { throw Failure.storedLengthMismatch }
                for _ in 0..<length { output.append(UInt8(try reader.bits(8))) }
            case 1:
                let literal = try Huffman(lengths: [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112)
                    + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8))
                let distance = try Huffman(lengths: [Int](repeating: 5, count: 30))
                try decodeBlock(&reader, literal: literal, distance: distance, into: &output)
            case 2:
                let literalCount = try reader.bits(5) + 257
                let distanceCount = try reader.bits(5) + 1
                let codeLengthCount = try reader.bits(4) + 4
                var codeLengths = [Int](repeating: 0, count: 19)
                for i in 0..<codeLengthCount { codeLengths[codeLengthOrder[i]] = try reader.bits(3) }
                let codeLengthCode = try Huffman(lengths: codeLengths)
                var lengths: [Int] = []
                while lengths.count < literalCount + distanceCount {
                    let symbol = try codeLengthCode.decode(&reader)
                    switch symbol {
                    case 0..<16: lengths.append(symbol)
                    case 16:
                        guard let previous = lengths.last else { throw Failure.invalidCode("repeat with no previous length") }
                        lengths += [Int](repeating: previous, count: 3 + (try reader.bits(2)))
                    case 17: lengths += [Int](repeating: 0, count: 3 + (try reader.bits(3)))
                    default: lengths += [Int](repeating: 0, count: 11 + (try reader.bits(7)))
                    }
                }
                guard lengths.count == literalCount + distanceCount else { throw Failure.invalidCode("code lengths overrun") }
                try decodeBlock(
                    &reader, literal: Huffman(lengths: Array(lengths[..<literalCount])),
                    distance: Huffman(lengths: Array(lengths[literalCount...])), into: &output)
            default:
                throw Failure.invalidBlockType
            }
        }
        return output
    }

    private static func decodeBlock(_ reader: inout BitReader, literal: Huffman, distance: Huffman, into output: inout [UInt8]) throws {
        while true {
            let symbol = try literal.decode(&reader)
            if symbol < 256 {
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let index = symbol - 257
                guard index < lengthBase.count else { throw Failure.invalidCode("length symbol \(symbol)") }
                let length = lengthBase[index] + (try reader.bits(lengthExtra[index]))
                let d = try distance.decode(&reader)
                guard d < distanceBase.count else { throw Failure.invalidCode("distance symbol \(d)") }
                let back = distanceBase[d] + (try reader.bits(distanceExtra[d]))
                guard back <= output.count else { throw Failure.invalidCode("distance \(back) reaches before the start") }
                let start = output.count - back
                for i in 0..<length { output.append(output[start + i]) }
            }
        }
    }
}
