// Asio, Asio's SSL and Beast are compiled once, here (BOOST_*_SEPARATE_COMPILATION is set for every
// target), instead of in every file that includes them.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
