add_library(tarat_dispatch STATIC dispatcher.cpp wall_timer.cpp plugin_sender.cpp)
target_link_libraries(tarat_dispatch PUBLIC tarat_notify tarat_store Boost::boost Threads::Threads PRIVATE spdlog::spdlog)
