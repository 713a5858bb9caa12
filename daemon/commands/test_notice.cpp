// `test-notice PERSON [--channel NAME]`: the first thing an administrator does after configuring
// a channel. Sends at once, outside the outbox (no retries: the administrator wants the error now),
// on the dispatcher's workers, and answers when every channel has had its say.
#include "commands/support.hpp"

namespace tarat::commands {
namespace {

std::string_view status_name(Delivery::Status status) {
    switch (status) {
        case Delivery::sent: return "sent";
        case Delivery::retry: return "failed";  // would have been retried; a test reports it now
        case Delivery::rejected: return "rejected";
    }
    return "failed";
}

std::vector<std::string> channel_names(const Config& config) {
    std::vector<std::string> names;
    for (const auto& c : config.channels) names.push_back(c.name);
    return names;
}

void test_notice(Context& context, const json& args, control::Respond respond) {
    const Setup& setup = context.setup();
    const std::string person_id = *string_arg(args, "person");
    const Person* person = setup.plan.person(person_id);
    if (!person) return respond(*unknown_name("person", person_id, person_ids(context)));
    const Routing& routing = context.notices().routing();
    std::vector<std::string> channels;
    if (auto wanted = string_arg(args, "channel")) {
        if (auto refusal = unknown_name("channel", *wanted, channel_names(setup.config))) return respond(*refusal);
        if (!routing.reaches(*person, *wanted))
            return respond({control::error, person_id + " has no address for channel '" + *wanted +
                                                "' (an email or telegram chat id in the plan)"});
        channels.push_back(*wanted);
    } else {
        channels = routing.channels_for(*person);
    }

    const Instant now = context.clock().now();
    std::vector<Dispatcher::Direct> messages;
    for (const auto& channel : channels) messages.emplace_back(channel, context.notices().test_notice(*person, channel, now));
    if (!context.dispatcher) return respond({control::error, "this taratd sends nothing"});
    context.dispatcher->send_now(std::move(messages), [person_id, channels, respond](std::vector<Delivery> results) {
        json listed = json::array();
        std::string text = "test notice to " + person_id + ":";
        bool all_sent = true;
        for (size_t i = 0; i < results.size(); ++i) {
            const auto& d = results[i];
            all_sent = all_sent && d.status == Delivery::sent;
            listed.push_back({{"channel", channels[i]}, {"status", status_name(d.status)}, {"error", d.error}});
            text += (i ? "; " : " ") + channels[i] + " " + std::string(status_name(d.status)) +
                    (d.error.empty() ? "" : " (" + d.error + ")");
        }
        respond({all_sent ? control::ok : control::error, text, {{"person", person_id}, {"channels", listed}}});
    });
}

}  // namespace

void add_test_notice_handler(Context& context, Handlers& handlers) {
    handlers["test-notice"] = Handler{nullptr, [&context](const json& args, const control::Peer&, control::Respond respond) {
                                          test_notice(context, args, std::move(respond));
                                      }};
}

}  // namespace tarat::commands
