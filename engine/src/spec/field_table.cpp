#include "spec/field_table.h"

#include <algorithm>
#include <sstream>

namespace sparq::engine::spec {

using nlohmann::json;

namespace {

std::string fmt_num(double v) {
    std::ostringstream o;
    o << v;
    return o.str();
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& x : items) out += (out.empty() ? "" : ", ") + x;
    return out;
}

// The comma-separated items of a list's text, trimmed; none for an empty text.
std::vector<std::string> split_items(const std::string& text) {
    std::vector<std::string> items;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        items.push_back(item);
    }
    if (items.size() == 1 && items[0].empty()) items.clear();
    return items;
}

}  // namespace

void check_value(const FieldInfo& f, const json& v, const std::string& origin) {
    const std::string where = origin + ": '" + f.key + "'";
    auto in_range = [&](double x) {
        if (!(x >= f.min && x <= f.max))
            throw ConfigError(where + " = " + fmt_num(x) + " is out of range [" + fmt_num(f.min) + ", " +
                              fmt_num(f.max) + "]");
    };
    auto is_choice = [&](const json& x) {
        return x.is_string() && std::find(f.choices.begin(), f.choices.end(), x.get<std::string>()) != f.choices.end();
    };
    switch (f.type) {
    case FieldType::Int:
        if (!v.is_number_integer() && !v.is_number_unsigned())
            throw ConfigError(where + " must be an integer, got " + v.dump());
        in_range(v.get<double>());
        break;
    case FieldType::Float:
        if (!v.is_number()) throw ConfigError(where + " must be a number, got " + v.dump());
        in_range(v.get<double>());
        break;
    case FieldType::Text:
        if (!v.is_string()) throw ConfigError(where + " must be a string, got " + v.dump());
        break;
    case FieldType::Bool:
        if (!v.is_boolean()) throw ConfigError(where + " must be true or false, got " + v.dump());
        break;
    case FieldType::Choice:
        if (!is_choice(v)) throw ConfigError(where + " = " + v.dump() + " is not one of: " + joined(f.choices));
        break;
    case FieldType::IntList:
        if (!v.is_array()) throw ConfigError(where + " must be a list of integers, got " + v.dump());
        for (const json& x : v) {
            if (!x.is_number_integer()) throw ConfigError(where + " must contain integers only, got " + x.dump());
            in_range(x.get<double>());
        }
        break;
    case FieldType::FloatList:
        if (!v.is_array()) throw ConfigError(where + " must be a list of numbers, got " + v.dump());
        for (const json& x : v) {
            if (!x.is_number()) throw ConfigError(where + " must contain numbers only, got " + x.dump());
            in_range(x.get<double>());
        }
        break;
    case FieldType::ChoiceList:
        if (!v.is_array()) throw ConfigError(where + " must be a list of names, got " + v.dump());
        for (const json& x : v)
            if (!is_choice(x)) throw ConfigError(where + ": " + x.dump() + " is not one of: " + joined(f.choices));
        break;
    }
}

json parse_text(const FieldInfo& f, const std::string& text, const std::string& origin) {
    const std::string where = origin + ": '" + f.key + "'";
    auto number = [&](const std::string& item, bool integer) -> json {
        std::size_t used = 0;
        try {
            if (integer) {
                const long long v = std::stoll(item, &used);
                if (used == item.size()) return json(v);
            } else {
                const double v = std::stod(item, &used);
                if (used == item.size()) return json(v);
            }
        } catch (const std::exception&) {
        }
        throw ConfigError(where + " = '" + text + "' is not " +
                          (f.type == FieldType::Int || f.type == FieldType::Float
                               ? (integer ? "an integer" : "a number")
                               : (integer ? "a comma-separated list of integers" : "a comma-separated list of numbers")));
    };
    switch (f.type) {
    case FieldType::Int: return number(text, true);
    case FieldType::Float: return number(text, false);
    case FieldType::Text:
    case FieldType::Choice: return json(text);
    case FieldType::Bool:
        if (text == "true" || text == "1" || text == "yes" || text == "on") return json(true);
        if (text == "false" || text == "0" || text == "no" || text == "off") return json(false);
        throw ConfigError(where + " = '" + text + "' is not true or false");
    case FieldType::IntList:
    case FieldType::FloatList:
    case FieldType::ChoiceList: {
        json list = json::array();
        for (const std::string& item : split_items(text)) {
            if (f.type == FieldType::ChoiceList) list.push_back(item);
            else list.push_back(number(item, f.type == FieldType::IntList));
        }
        return list;
    }
    }
    return json();
}

std::string text_of(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_array()) {
        std::string out;
        for (const json& x : v) out += (out.empty() ? "" : ",") + (x.is_string() ? x.get<std::string>() : x.dump());
        return out;
    }
    return v.dump();
}

json parse_object(const std::string& json_text, const std::string& origin) {
    json j;
    try {
        j = json::parse(json_text);
    } catch (const json::parse_error& e) {
        throw ConfigError(origin + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw ConfigError(origin + ": a job config must be a JSON object");
    return j;
}

FieldInfo int_field(std::string key, double min, double max, std::string help, bool main) {
    return {std::move(key), FieldType::Int, min, max, {}, std::move(help), main};
}
FieldInfo float_field(std::string key, double min, double max, std::string help, bool main) {
    return {std::move(key), FieldType::Float, min, max, {}, std::move(help), main};
}
FieldInfo text_field(std::string key, std::string help, bool main) {
    return {std::move(key), FieldType::Text, 0, 0, {}, std::move(help), main};
}
FieldInfo bool_field(std::string key, std::string help, bool main) {
    return {std::move(key), FieldType::Bool, 0, 0, {}, std::move(help), main};
}
FieldInfo choice_field(std::string key, std::vector<std::string> choices, std::string help, bool main) {
    return {std::move(key), FieldType::Choice, 0, 0, std::move(choices), std::move(help), main};
}
FieldInfo int_list_field(std::string key, double min, double max, std::string help, bool main) {
    return {std::move(key), FieldType::IntList, min, max, {}, std::move(help), main};
}
FieldInfo float_list_field(std::string key, double min, double max, std::string help, bool main) {
    return {std::move(key), FieldType::FloatList, min, max, {}, std::move(help), main};
}
FieldInfo choice_list_field(std::string key, std::vector<std::string> choices, std::string help, bool main) {
    return {std::move(key), FieldType::ChoiceList, 0, 0, std::move(choices), std::move(help), main};
}
FieldInfo device_field() {
    return text_field("device", "where the job runs: auto (a GPU when one can run it, else the CPU), cpu, cuda or cuda:N");
}

}  // namespace sparq::engine::spec
