import LifeboatCore
import Testing

@Suite struct CronExpressionDescriptionTests {
    @Test(arguments: [
        ("0 */6 * * *", "every 6 hours, at minute 0"),
        ("0 */12 * * *", "every 12 hours, at minute 0"),
        ("0 0 * * *", "every day at 00:00"),
        ("@daily", "every day at 00:00"),
        ("0 2 * * 0", "every Sunday at 02:00"),
        ("0 2 * * 7", "every Sunday at 02:00"),
        ("*/15 * * * *", "every 15 minutes"),
        ("30 1 1 * *", "at 01:30 on day 1 of every month"),
        ("* * * * *", "every minute"),
        ("0 * * * *", "every hour, at minute 0"),
        ("0,30 * * * *", "every 30 minutes"),
        ("0,45 * * * *", "every hour, at minutes 0 and 45"),
        ("0 0 * * 1-5", "every Monday to Friday at 00:00"),
        ("0 8 * * MON,WED,FRI", "every Monday, Wednesday and Friday at 08:00"),
        ("0 0,12 * * *", "every 12 hours, at minute 0"),
        ("15 3,20 * * *", "every day at 03:15 and 20:15"),
        ("@yearly", "at 00:00 on day 1 of January"),
        ("0 0 1,15 * *", "at 00:00 on days 1 and 15 of every month"),
        ("0 0 1,15 * MON", "at 00:00 on days 1 and 15 of the month and on every Monday"),
        (
            "0 0 */2 * MON",
            "at 00:00 on days 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29 and 31 of the month if it is a Monday"
        ),
        ("*/5 9-17 * * 1-5", "every 5 minutes during hours 9 to 17 on Monday to Friday"),
        ("0,45 9-17 * * *", "at minutes 0 and 45 past hours 9 to 17"),
        ("0,30 9-17 * * *", "every 30 minutes during hours 9 to 17"),
        ("0 12 * JAN,JUL *", "every day in January and July at 12:00"),
        ("*/10 * * 12 *", "every 10 minutes in December"),
        ("0 0 1 * 0-6", "every day at 00:00"),
        ("7 */5 * * *", "at minute 7 past hours 0, 5, 10, 15 and 20"),
    ])
    func readsAsPlainEnglish(text: String, reading: String) throws {
        #expect(try CronExpression(text).humanDescription == reading)
    }
}
