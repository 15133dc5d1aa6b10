import Testing
@testable import DecisionServer

@Suite struct EnvelopeScannerTests {
    /// Scans `line`; renders the envelope as `op id=… request=…` or the error as `code: message`.
    private func scan(_ line: [UInt8]) -> String {
        line.withUnsafeBytes { bytes in
            switch EnvelopeScanner.scan(bytes) {
            case .success(let envelope):
                let id = envelope.id.map { String(decoding: bytes[$0], as: UTF8.self) } ?? "-"
                let request = envelope.request.map { String(decoding: bytes[$0], as: UTF8.self) } ?? "-"
                return "\(envelope.operation) id=\(id) request=\(request)"
            case .failure(let error):
                let id = error.id.map { String(decoding: bytes[$0], as: UTF8.self) } ?? "-"
                return "\(error.code) id=\(id)"
            }
        }
    }

    @Test(arguments: [
        (#"{"id":1,"op":"evaluate","request":{"a":[1,2]}}"#, #"evaluate id=1 request={"a":[1,2]}"#),
        (#" { "op" : "health" , "id" : "x\"y" } "#, #"health id="x\"y" request=-"#),
        (#"{"op":"stats"}"#, "stats id=- request=-"),
        (#"{"op":"reload","id":null}"#, "reload id=null request=-"),
        (#"{"op":"evaluate","id":-1.5e3,"request":[],"extra":{"deep":[true,false,null]}}"#, "evaluate id=-1.5e3 request=[]"),
        (#"{"op":"token","id":7,"request":{}}"#, "token id=7 request={}"),
        (#"{"op":"evaluate","id":"é€😀","request":"s"}"#, #"evaluate id="é€😀" request="s""#),
    ])
    func acceptsWellFormedEnvelopes(line: String, expected: String) {
        #expect(self.scan(Array(line.utf8)) == expected)
    }

    @Test(arguments: [
        ("garbage", "bad_request id=-"),
        ("", "bad_request id=-"),
        ("[1]", "bad_request id=-"),
        (#"{"id":1,"op":"evaluate","request":{"a":tru}}"#, "bad_request id=-"),
        (#"{"id":1,"op":"evaluate","request":{"a":1}} x"#, "bad_request id=-"),
        (#"{"id":1,"op":"evaluate","request":{"a":1}"#, "bad_request id=-"),
        (#"{"id":{"a":1},"op":"health"}"#, "bad_request id=-"),
        (#"{"id":1,"op":"launch"}"#, "unknown_op id=1"),
        (#"{"id":2,"op":5}"#, "bad_request id=2"),
        (#"{"id":3}"#, "bad_request id=3"),
        (#"{"id":4,"op":"evaluate"}"#, "bad_request id=4"),
        (#"{"id":5,"op":"health","op":"stats"}"#, "bad_request id=5"),
        (#"{"id":01,"op":"health"}"#, "bad_request id=-"),
        (#"{"id":"\x","op":"health"}"#, "bad_request id=-"),
        ("{\"id\":\"tab\there\",\"op\":\"health\"}", "bad_request id=-"),
    ])
    func refusesMalformedEnvelopes(line: String, expected: String) {
        #expect(self.scan(Array(line.utf8)) == expected)
    }

    @Test(arguments: [
        [0xFF] as [UInt8], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80],
    ])
    func refusesInvalidUTF8Anywhere(bytes: [UInt8]) {
        let line = Array(#"{"id":1,"op":"evaluate","request":{"subject":""#.utf8) + bytes + Array(#""}}"#.utf8)
        #expect(self.scan(line) == "bad_request id=-")
    }

    @Test func refusesNestingBeyondTheLimit() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(self.scan(Array(#"{"op":"evaluate","request":\#(deep)}"#.utf8)) == "bad_request id=-")
    }

    @Test func refusesAnOverlongID() {
        let id = "\"" + String(repeating: "a", count: 300) + "\""
        #expect(self.scan(Array(#"{"op":"health","id":\#(id)}"#.utf8)) == "bad_request id=-")
    }
}
