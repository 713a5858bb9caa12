// What people send to the bot (F11), over the real store, lifecycle and shipped plan
// (CommandWorld): linking by code, the buttons and their conversations, who may act, stale buttons,
// unlinked chats, updates applied once, the chat commands.
#include "inbound/inbound.hpp"
#include "support/command_world.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace tarat;
using tarat::testing::CommandWorld;
using Json = nlohmann::json;

namespace {

const std::string kChannel = "telegram";

struct Bot {
    CommandWorld world;
    inbound::Inbound inbound{*world.store, world.lifecycle, inbound::Tokens(std::string(32, 'k'))};
    std::int64_t position = 100;

    explicit Bot(const char* now = "2027-03-01T09:00:00+05:00") : world(now) {}

    InboundAnswer text(const std::string& chat, const std::string& text, const std::string& language = "ru") {
        return inbound.receive(kChannel, {++position, "text", chat, "u" + chat, text, language, ""});
    }
    InboundAnswer press(const std::string& chat, const std::string& data, const std::string& message = "77") {
        return inbound.receive(kChannel, {++position, "button", chat, "u" + chat, data, "ru", message});
    }
    void link(const std::string& person, const std::string& chat) {
        world.store->add_link_code("CODE-" + person, person, kChannel, world.clock.now() + std::chrono::hours(24));
        text(chat, "/start CODE-" + person);
        REQUIRE(world.store->link_for_chat(kChannel, chat));
    }
    // The data of the button labelled `label` on a notice of `kind` to `person` about `event`.
    std::string button(const std::string& kind, const std::string& person, const std::string& event, int index = 0) {
        const std::string text = inbound.buttons(kind, person, *world.store->event(event));
        INFO(text);
        auto rows = Json::parse(text);
        return rows[0][index][1].get<std::string>();
    }
    std::vector<HistoryRow> history(const std::string& action) {
        std::vector<HistoryRow> found;
        for (auto& row : world.store->history())
            if (row.action == action) found.push_back(row);
        return found;
    }
    StoredEvent future_event(const std::string& centre) {
        return world.first_event([&](const StoredEvent& e) {
            return e.event.centre == centre && e.state == EventState::planned && e.event.date > world.lifecycle.today();
        });
    }
    std::string past_event(const std::string& centre) {
        return world.first_event([&](const StoredEvent& e) {
            return e.event.centre == centre && e.state == EventState::planned && e.event.date < world.lifecycle.today();
        }).event.id;
    }
};

}  // namespace

// /start CODE links the chat to the person, answers in their language with their events; the code
// works once; the history says who linked.
TEST_CASE("a one-time code links a chat to its person, once") {
    Bot bot;
    bot.world.store->add_link_code("K7M2Q9X4PA", "director-erkemai", kChannel, bot.world.clock.now() + std::chrono::hours(1));
    auto answer = bot.text("555", "/start K7M2Q9X4PA", "en");
    const Person* person = bot.world.lifecycle.setup().plan.person("director-erkemai");
    CHECK_THAT(answer.text, Catch::StartsWith(person->name + ", бұл чат сізге тіркелді"));  // the person's kk
    auto link = bot.world.store->link_for_chat(kChannel, "555");
    REQUIRE(link);
    CHECK(link->person == "director-erkemai");
    CHECK(link->user == "u555");
    REQUIRE(bot.history("person.linked").size() == 1);
    CHECK(bot.history("person.linked")[0].actor == "person director-erkemai via channel telegram (chat 555)");

    auto again = bot.text("666", "/start K7M2Q9X4PA");
    CHECK_THAT(again.text, Catch::Contains("недействителен"));
    CHECK_FALSE(bot.world.store->link_for_chat(kChannel, "666"));
    // An expired code does nothing either.
    bot.world.store->add_link_code("OLDCODE", "bashanov", kChannel, bot.world.clock.now() - std::chrono::seconds(1));
    bot.text("777", "/start OLDCODE");
    CHECK_FALSE(bot.world.store->link_for_chat(kChannel, "777"));
}

// A chat nobody linked gets the polite refusal in kk and ru and nothing else; each attempt is audited
// with the chat, the user and the text cut to 200 bytes.
TEST_CASE("a chat that is not linked is refused politely and audited") {
    Bot bot;
    auto answer = bot.text("999", "/status " + std::string(300, 'x'), "kk");
    CHECK(answer.text == "Кешіріңіз, бұл чат тіркелмеген. Әдістемелік орталыққа хабарласыңыз.\n"
                         "Извините, этот чат не зарегистрирован. Обратитесь в методический центр.");
    CHECK(answer.buttons.empty());
    auto refused = bot.history("inbound.refused");
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].actor == "chat 999 via channel telegram");
    CHECK_THAT(refused[0].detail, Catch::StartsWith("not linked: user u999: /status xxx"));
    CHECK(refused[0].detail.size() < 260);
}

// An update at or below the stored position is not applied again (a restart between applying and
// confirming it to Telegram).
TEST_CASE("an update delivered twice is applied once") {
    Bot bot;
    bot.world.store->add_link_code("ONCE", "director-erkemai", kChannel, bot.world.clock.now() + std::chrono::hours(1));
    InboundUpdate update{500, "text", "555", "u555", "/start ONCE", "ru", ""};
    CHECK_FALSE(bot.inbound.receive(kChannel, update).text.empty());
    CHECK(bot.world.store->channel_position(kChannel) == 500);
    auto again = bot.inbound.receive(kChannel, update);
    CHECK(again.text.empty());
    CHECK(bot.history("person.linked").size() == 1);
    CHECK(bot.history("inbound.refused").empty());  // not a second use of the code
}

// Held: the button asks for the participants, a number records it through the lifecycle as the
// person via the channel, and the notice is edited to say so and by whom.
TEST_CASE("held with participants, from a held-check button") {
    Bot bot;
    bot.link("director-erkemai", "555");
    const std::string id = bot.past_event("erkemai");
    const std::string data = bot.button("held_check", "director-erkemai", id);
    CHECK(data.rfind("held:", 0) == 0);
    CHECK(data.size() <= 64);
    auto asked = bot.press("555", data, "4242");
    CHECK_THAT(asked.text, Catch::Contains("неше адам қатысты"));
    CHECK(Json::parse(asked.buttons)[0][0][1] == "skip");
    auto wrong = bot.text("555", "жиырма");
    CHECK_THAT(wrong.text, Catch::Contains("Санды жазыңыз"));
    CHECK(bot.world.store->event(id)->state == EventState::planned);

    auto done = bot.text("555", "25");
    auto stored = *bot.world.store->event(id);
    CHECK(stored.state == EventState::held);
    CHECK(stored.participants == 25);
    CHECK_THAT(done.text, Catch::StartsWith("✅ Өтті: «" + stored.event.title + "»"));
    CHECK_THAT(done.text, Catch::Contains("25 👥"));
    CHECK_THAT(done.text, Catch::Contains("01.03.2027"));
    CHECK(done.edit == done.text);
    CHECK(done.edit_message == "4242");
    auto rows = bot.world.store->history_about("event:" + id);
    CHECK(rows.back().action == "event.held");
    CHECK(rows.back().actor == "person director-erkemai via channel telegram (chat 555)");
    CHECK(bot.world.store->conversation(kChannel, "555").empty());
}

// Reported: the reference is optional; a stale button (the event changed since) is answered "out
// of date" with the event's state and changes nothing.
TEST_CASE("reported with a reference, and a stale button is out of date") {
    Bot bot;
    bot.link("director-erkemai", "555");
    const std::string id = bot.past_event("erkemai");
    const std::string held_button = bot.button("held_check", "director-erkemai", id);
    bot.press("555", held_button);
    bot.text("555", "skip");
    REQUIRE(bot.world.store->event(id)->state == EventState::held);

    auto stale = bot.press("555", held_button);
    CHECK_THAT(stale.text, Catch::StartsWith("Бұл хабарлама ескірген"));
    CHECK_THAT(stale.text, Catch::Contains("өтті, "));
    CHECK(bot.world.store->conversation(kChannel, "555").empty());

    const std::string reported = bot.button("report_due", "director-erkemai", id);
    CHECK(reported.rfind("reported:", 0) == 0);
    bot.press("555", reported);
    auto done = bot.text("555", "№ 12-04/118");
    CHECK(bot.world.store->event(id)->state == EventState::reported);
    CHECK(bot.world.store->event(id)->report_ref == "№ 12-04/118");
    CHECK_THAT(done.text, Catch::Contains("Есеп тапсырылды") && Catch::Contains("№ 12-04/118"));
}

// Another centre's director may not act on the event: refused, audited, nothing changes. A forged
// token is no button of ours.
TEST_CASE("a person acting on another centre's event is refused") {
    Bot bot;
    bot.link("director-bolashak", "556");
    const std::string id = bot.past_event("erkemai");
    const std::string data = bot.button("held_check", "director-erkemai", id);
    CHECK(bot.inbound.buttons("held_check", "director-bolashak", *bot.world.store->event(id)).empty());
    auto refused = bot.press("556", data);
    CHECK_THAT(refused.text, Catch::Contains("не можете") || Catch::Contains("қоя алмайсыз"));
    CHECK(bot.world.store->event(id)->state == EventState::planned);
    auto rows = bot.history("inbound.refused");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].subject == "event:" + id);
    CHECK(rows[0].actor == "person director-bolashak via channel telegram (chat 556)");

    std::string forged = data;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    bot.link("director-erkemai", "555");
    bot.press("555", forged);
    CHECK(bot.world.store->event(id)->state == EventState::planned);
    CHECK(bot.history("inbound.refused").size() == 2);
    // The coordinator may act on any event.
    CHECK_FALSE(bot.inbound.buttons("held_check", "zhamanbayeva", *bot.world.store->event(id)).empty());
}

// Postpone: a day off is answered with the nearest working days as buttons; a good date asks the
// reason, and the lifecycle moves the event.
TEST_CASE("postpone onto a holiday, then a good date") {
    Bot bot("2026-12-01T09:00:00+05:00");
    bot.link("director-erkemai", "555");
    auto future = bot.future_event("erkemai");
    const std::string data = bot.button("reminder", "director-erkemai", future.event.id);
    CHECK(data.rfind("postpone:", 0) == 0);
    CHECK_THAT(bot.press("555", data).text, Catch::Contains("КК.АА.ЖЖЖЖ"));
    auto holiday = bot.text("555", "16.12.2026");  // Independence Day
    CHECK_THAT(holiday.text, Catch::StartsWith("16.12.2026 — демалыс күні"));
    auto choices = Json::parse(holiday.buttons)[0];
    REQUIRE(choices.size() == 2);
    CHECK(choices[0][0] == "15.12.2026");
    CHECK(choices[1][1] == "d:2026-12-17");
    CHECK_THAT(bot.text("555", "32.13.2026").text, Catch::Contains("КК.АА.ЖЖЖЖ"));
    auto outside = bot.text("555", "01.01.2031");
    CHECK_THAT(outside.text, Catch::Contains("жоспар кезеңінен тыс"));

    CHECK_THAT(bot.press("555", "d:2026-12-17").text, Catch::Contains("себебін жазыңыз"));
    auto done = bot.text("555", "зал бос емес");
    auto moved = *bot.world.store->event(future.event.id);
    CHECK(moved.event.date == *parse_date("2026-12-17"));
    CHECK_THAT(done.text, Catch::Contains("→ 17.12.2026"));
    CHECK(bot.world.store->history_about("event:" + future.event.id).back().actor ==
          "person director-erkemai via channel telegram (chat 555)");
}

// The lifecycle's refusals reach the person in their language, never as the daemon's English line;
// the conversation stays so they can answer again.
TEST_CASE("a refusal is told in the person's language") {
    Bot bot("2026-12-01T09:00:00+05:00");
    bot.link("director-erkemai", "555");
    auto future = bot.future_event("erkemai");
    bot.press("555", bot.button("held_check", "director-erkemai", future.event.id));
    auto early = bot.text("555", "25");
    CHECK(early.text == "Жазылмады: Іс-шара " + format_dotted(future.event.date) + " " + format_hhmm(future.event.start_minutes) +
                            " күнге жоспарланған, ол әлі алда; өткен соң белгілеңіз.");
    CHECK(bot.world.store->event(future.event.id)->state == EventState::planned);
    CHECK_THAT(bot.history("inbound.refused").back().detail, Catch::Contains("still ahead"));  // the audit stays English

    bot.text("555", "/lang ru");
    bot.press("555", bot.button("reminder", "director-erkemai", future.event.id));
    bot.press("555", "d:2026-12-17");
    auto two_lines = bot.text("555", "зал\nзанят");
    CHECK(two_lines.text == "Не записано: Причина: нужна одна строка без управляющих символов.");
    auto done = bot.text("555", "зал занят");
    CHECK_THAT(done.text, Catch::Contains("→ 17.12.2026"));
}

// [inbound] in tarat.toml names, per action, the roles that may take it; an unknown role or action
// is an error at its line.
TEST_CASE("[inbound] is read from tarat.toml, its mistakes pointed at") {
    auto load = [](const std::string& inbound, Diagnostics& d) {
        return load_config_text("[daemon]\nplan = \"plan.toml\"\n" + inbound, "/etc/tarat/tarat.toml", d);
    };
    Diagnostics d;
    auto open = load("", d);
    REQUIRE(open);
    CHECK(open->inbound.roles.empty());
    auto narrowed = load("[inbound]\npostpone = [\"director\", \"coordinator\"]\nnothold = [\"coordinator\"]\n", d);
    REQUIRE(narrowed);
    CHECK(narrowed->inbound.roles.at("postpone") == std::vector<std::string>{"director", "coordinator"});
    CHECK(narrowed->inbound.roles.count("held") == 0);
    Diagnostics typo;
    CHECK_FALSE(load("[inbound]\nheld = [\"directr\"]\n", typo));
    CHECK_THAT(typo.format(), Catch::Contains("tarat.toml:4") && Catch::Contains("unknown role 'directr' (did you mean 'director'?)"));
    Diagnostics action;
    CHECK_FALSE(load("[inbound]\nhold = [\"director\"]\n", action));
    CHECK_THAT(action.format(), Catch::Contains("hold"));
}

// Narrowed, an action's button is left off the notices of people without the role, and its button
// pressed anyway (from an older notice) is refused and audited.
TEST_CASE("[inbound] narrows an action to the roles it names") {
    Bot bot("2026-12-01T09:00:00+05:00");
    bot.link("director-erkemai", "555");
    auto future = bot.future_event("erkemai");
    const std::string postpone = bot.button("reminder", "director-erkemai", future.event.id);
    auto narrowed = std::make_shared<Setup>(*bot.world.lifecycle.setup_ptr());
    narrowed->config.inbound.roles["postpone"] = {"coordinator"};
    bot.world.lifecycle.apply_plan(narrowed, Actor::system("test"));

    const auto event = *bot.world.store->event(future.event.id);
    CHECK(bot.inbound.buttons("reminder", "director-erkemai", event).empty());
    CHECK_THAT(bot.inbound.buttons("reminder", "zhamanbayeva", event), Catch::Contains("postpone:"));
    const auto check = Json::parse(bot.inbound.buttons("held_check", "director-erkemai", event))[0];
    REQUIRE(check.size() == 2);
    CHECK_THAT(check.dump(), Catch::Contains("held:") && Catch::Contains("nothold:") && !Catch::Contains("postpone:"));

    auto refused = bot.press("555", postpone);
    CHECK_THAT(refused.text, Catch::Contains("қоя алмайсыз"));
    CHECK(bot.world.store->conversation(kChannel, "555").empty());
    CHECK_THAT(bot.history("inbound.refused").back().detail, Catch::StartsWith("postpone: director-erkemai may not"));
}

// Not held: the reason is asked and the event is closed with it.
TEST_CASE("not held, with its reason") {
    Bot bot;
    bot.link("director-erkemai", "555");
    const std::string id = bot.past_event("erkemai");
    bot.press("555", bot.button("held_check", "director-erkemai", id, 1));
    auto done = bot.text("555", "карантин");
    CHECK(bot.world.store->event(id)->state == EventState::cancelled);
    CHECK_THAT(done.text, Catch::StartsWith("❌ Өтпеді") && Catch::Contains("карантин"));
}

// /lang changes the replies' language; /status lists the person's next and overdue events; /help.
TEST_CASE("chat commands: /lang, /status, /help") {
    Bot bot;
    bot.link("director-erkemai", "555");
    CHECK(bot.text("555", "/lang ru").text == "Язык: русский.");
    CHECK(bot.world.store->link_for_chat(kChannel, "555")->locale == "ru");
    CHECK(bot.text("555", "/lang de").text == "Выберите язык: /lang kk, /lang ru или /lang en.");
    auto status = bot.text("555", "/status");
    CHECK_THAT(status.text, Catch::Contains("Просрочено:"));
    const std::string overdue = bot.world.store->event(bot.past_event("erkemai"))->event.title;
    CHECK_THAT(status.text, Catch::Contains(overdue));
    const std::string other = bot.world.lifecycle.setup().plan.centre("bolashak")->name;
    CHECK_THAT(status.text, !Catch::Contains(other));  // another centre's
    CHECK_THAT(bot.text("555", "/help").text, Catch::Contains("/status"));
    CHECK_THAT(bot.text("555", "hello").text, Catch::Contains("/help"));
}

// What only asks, refuses or opens a conversation writes the bookkeeping (position, history,
// conversation) and leaves the store's state generation alone, so `status`, the feeds and STATUS=
// are not made again for it; the answer that holds the event moves it.
TEST_CASE("a chat that only asks leaves the store's state generation alone") {
    Bot bot;
    bot.link("director-erkemai", "555");
    const std::string id = bot.past_event("erkemai");
    const std::string held_button = bot.button("held_check", "director-erkemai", id);
    const auto& store = *bot.world.store;
    const auto state = store.state_generation();
    const auto commits = store.generation();

    bot.text("999", "hello");            // not linked: refused and audited
    bot.text("555", "/help");
    bot.text("555", "/status");
    bot.press("555", "nothing:of-ours");  // not a button of ours
    bot.press("555", held_button);        // asks for the participants: a conversation opens
    REQUIRE_FALSE(store.conversation(kChannel, "555").empty());
    CHECK(store.generation() > commits);  // every update committed its position
    CHECK(store.state_generation() == state);

    bot.text("555", "25");
    REQUIRE(store.event(id)->state == EventState::held);
    CHECK(store.state_generation() > state);
    const auto held = store.state_generation();
    bot.press("555", held_button);  // stale now: refused, audited
    CHECK(store.state_generation() == held);
}
