// `test-notice PERSON [--channel NAME]`: the first thing an administrator does after configuring
// a channel. Sends at once, outside the outbox (no retries: the administrator wants the error now),
// on the dispatcher's workers, and answers when every channel has had its say.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/daemon.hpp"

namespace tarat {
namespace {

using namespace commands;

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

void test_notice(Daemon& daemon, const json& args, control::Respond respond) {
    const Setup& setup = daemon.setup();
    const std::string person_id = *string_arg(args, "person");
    const Person* person = setup.plan.person(person_id);
    if (!person) return respond(*unknown_name("person", person_id, person_ids(daemon)));
    const Routing& routing = daemon.notices().routing();
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

    const Instant now = daemon.clock().now();
    std::vector<Dispatcher::Direct> messages;
    for (const auto& channel : channels) messages.emplace_back(channel, daemon.notices().test_notice(*person, channel, now));
    daemon.dispatcher().send_now(std::move(messages), [person_id, channels, respond](std::vector<Delivery> results) {
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

void register_test_notice(control::CommandTable& table, Daemon& daemon) {
    table.add({"test-notice", control::Permission::admin,
               "Send a short test notice to a person now, on their channels or one named channel, and report "
               "each channel's result.",
               {{"person", "string!"}, {"channel", "string"}},
               nullptr,
               [&daemon](const json& args, const control::Peer&, control::Respond respond) {
                   test_notice(daemon, args, std::move(respond));
               }});
}

}  // namespace tarat
