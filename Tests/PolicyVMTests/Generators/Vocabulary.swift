import PolicyLanguage

/// The constants generated policies may mention. Requests draw from the same
/// pools most of the time, so conditions are true often enough to matter.
enum Vocabulary {
    static let ids = ["agent-1", "agent-2", "agent-42", "user-7", "svc-build", "wl-etl", "Agent-1", "agent-1 "]
    static let blueprints = ["finance-reporting", "readonly-audit", "readonly-", "viewer-x", "support-bot",
                             "hr-onboarding", "ÉTÉ-agent", "a*b"]
    static let sponsors = ["alice@contoso.com", "bob@partner.example", "carol@contoso.com", "dave@CONTOSO.com"]
    static let groups = ["finance-agents", "it-agents", "admins", "readers", "support"]
    static let audiences = ["https://finance.contoso.com", "https://graph.contoso.com", "https://hr.contoso.com",
                            "api://payroll", "https://finance.contoso.com/"]
    static let scopes = ["Reports.Read", "Reports.Write", "Files.ReadWrite.All", "Mail.Send", "Directory.Read.All",
                         "Invoices.Read", "Ledger.WriteAll", "Chat.Send", "Files.Read"]
    static let countries = ["GB", "IE", "NL", "DE", "US", "RU", "FR", "gb"]
    static let signals = ["impossible_travel", "leaked_credentials", "anonymous_ip", "unfamiliar_location"]
    static let attributeNames = ["cost_center", "level", "enabled", "tags", "ticket", "team"]
    static let attributeStrings = ["CC-100", "CC-200", "platform", "TICKET-1", ""]
    static let ints: [Int64] = [0, 1, 2, 3, 5, 10, 50, 99, 100, 23]
    static let durations: [Int64] = [60, 900, 3600, 86400, 7 * 86400, 30 * 86400]

    /// Networks as source text and values; requests pick addresses in and near them.
    static let networksV4 = ["10.0.0.0/8", "192.168.10.0/24", "172.16.0.0/12", "203.0.113.7/32", "0.0.0.0/0",
                             "100.64.0.0/10"]
    static let networksV6 = ["2001:db8::/48", "fe80::/10", "2001:db8:1:2::/64", "::1/128"]
    static let addressesV4 = ["10.1.2.3", "10.255.255.255", "11.0.0.0", "192.168.10.200", "192.168.11.1",
                              "172.31.255.255", "172.32.0.0", "203.0.113.7", "203.0.113.8", "8.8.8.8",
                              "100.127.255.255", "100.128.0.0"]
    static let addressesV6 = ["2001:db8::1", "2001:db8:0:ffff::1", "2001:db8:1::1", "2001:db8:1:2::abcd",
                              "fe80::1", "febf:ffff::1", "fec0::1", "::1", "::2"]

    /// Zones with and without daylight saving, whole and fractional offsets.
    static let zones = ["UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
                        "America/St_Johns", "Pacific/Chatham", "Europe/Berlin"]

    /// Regexes as written between slashes, with flags; the last ones are pathological.
    static let regexes: [(pattern: String, flags: String)] = [
        (#"\.Write(All)?$"#, ""), (#"^reports\."#, "i"), (#"^[A-Z][a-z]+\.Read"#, ""),
        (#"contoso\.com$"#, ""), (#"^agent-\d+$"#, ""), (#"a.b"#, "s"), (#"^x$"#, "m"),
        (#"read # comment"#, "x"), (#"é"#, "i"), (#"\/"#, ""),
    ]
    static let pathologicalRegex = (pattern: #"^(a+)+$"#, flags: "")
    static let pathologicalSubject = String(repeating: "a", count: 40) + "!"
}
